package dev.parley.llama;

/**
 * A Qwen3-MoE-style mixture of experts keeps the ChatModel contract on the FFM engine. Runs on the
 * JDK 22+ only.
 */
class FfmQwen3MoeContractTest extends FamilyContract {
  @Override
  String architecture() {
    return "qwen3moe";
  }
}
