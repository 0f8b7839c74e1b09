package dev.parley.llama;

/**
 * A Gemma 3-style model (sliding-window attention, Gemma's tokenizer) keeps the ChatModel contract
 * on the FFM engine. Runs on the JDK 22+ only.
 */
class FfmGemma3ContractTest extends FamilyContract {
  @Override
  String architecture() {
    return "gemma3";
  }
}
