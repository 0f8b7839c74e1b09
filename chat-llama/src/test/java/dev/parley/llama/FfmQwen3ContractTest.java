package dev.parley.llama;

/**
 * Qwen3 (per-head Q/K norms, Qwen's tokenizer) keeps the ChatModel contract on the FFM engine: a
 * family llama.cpp b4916 cannot load. Runs on the JDK 22+ only.
 */
class FfmQwen3ContractTest extends FamilyContract {
  @Override
  String architecture() {
    return "qwen3";
  }
}
