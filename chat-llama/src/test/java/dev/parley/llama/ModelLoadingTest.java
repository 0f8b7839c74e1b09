package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad files and settings get a typed error naming the problem, never a JVM crash. */
class ModelLoadingTest {
  @TempDir Path temp;

  @Test
  void missingFile() {
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> LlamaChatModel.load(temp.resolve("nope.gguf")));
    assertEquals(ModelLoadException.Reason.NOT_FOUND, e.reason());
    assertTrue(e.getMessage().contains("nope.gguf"), e.getMessage());
  }

  @Test
  void fileThatIsNotGguf() throws IOException {
    Path text = Files.writeString(temp.resolve("model.gguf"), "this is a text file, not a model\n".repeat(10));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> LlamaChatModel.load(text));
    assertEquals(ModelLoadException.Reason.NOT_GGUF, e.reason());
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
  }

  @Test
  void truncatedInsideTheHeader() throws IOException {
    Path cut = copyPrefix(TestModels.tiny(), 100_000);
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> LlamaChatModel.load(cut));
    assertEquals(ModelLoadException.Reason.TRUNCATED, e.reason());
  }

  @Test
  void truncatedInsideTheTensorData() throws IOException {
    Path model = TestModels.tiny();
    Path cut = copyPrefix(model, Files.size(model) - 1_000);
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> LlamaChatModel.load(cut));
    assertEquals(ModelLoadException.Reason.TRUNCATED, e.reason());
    assertTrue(e.getMessage().contains("describes"), e.getMessage());
  }

  @Test
  void contextLargerThanTheModelWasTrainedFor() {
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> LlamaChatModel.builder(TestModels.tiny()).contextSize(8192).build());
    assertEquals(ModelLoadException.Reason.INCOMPATIBLE_SETTINGS, e.reason());
    assertTrue(e.getMessage().contains("4096"), e.getMessage());
  }

  @Test
  void nonPositiveSettingsNameTheParameter() {
    Path model = TestModels.tiny();
    assertEquals("slots must be > 0, was 0",
        assertThrows(IllegalArgumentException.class, () -> LlamaChatModel.builder(model).slots(0)).getMessage());
    assertEquals("slots must be > 0, was -2",
        assertThrows(IllegalArgumentException.class, () -> LlamaChatModel.builder(model).slots(-2)).getMessage());
    assertEquals("contextSize must be > 0, was 0",
        assertThrows(IllegalArgumentException.class, () -> LlamaChatModel.builder(model).contextSize(0)).getMessage());
    assertEquals("threads must be > 0, was -1",
        assertThrows(IllegalArgumentException.class, () -> LlamaChatModel.builder(model).threads(-1)).getMessage());
    assertEquals("batchThreads must be > 0, was 0",
        assertThrows(IllegalArgumentException.class, () -> LlamaChatModel.builder(model).batchThreads(0)).getMessage());
  }

  @Test
  void readsTheHeaderOfTheTinyModel() {
    GgufFile file = GgufFile.read(TestModels.tiny());
    assertEquals(3, file.version());
    assertEquals("llama", file.architecture());
    assertEquals(4096, file.contextLength().getAsLong());
    assertEquals(12, file.tensors().size());
    assertEquals(false, file.hasChatTemplate());
  }

  @Test
  void checkingAFileBeforeLoadingSkipsItsArraysAndReadsTheSameHeader() {
    GgufFile whole = GgufFile.read(TestModels.tiny());
    GgufFile checked = GgufFile.readSkippingArrays(TestModels.tiny());
    assertEquals(whole.version(), checked.version());
    assertEquals(whole.architecture(), checked.architecture());
    assertEquals(whole.contextLength(), checked.contextLength());
    assertEquals(whole.tensors().size(), checked.tensors().size());
    for (int i = 0; i < whole.tensors().size(); i++) {
      assertEquals(whole.tensors().get(i).name(), checked.tensors().get(i).name());
      assertEquals(whole.tensors().get(i).offset(), checked.tensors().get(i).offset(), "same positions after the skipped arrays");
    }
    assertEquals(whole.metadata().get("tokenizer.ggml.model"), checked.metadata().get("tokenizer.ggml.model"));
    assertEquals(32000, whole.array("tokenizer.ggml.tokens").values().size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> checked.array("tokenizer.ggml.tokens"));
    assertTrue(e.getMessage().contains("readSkippingArrays"), e.getMessage());
  }

  private Path copyPrefix(Path source, long bytes) throws IOException {
    Path target = temp.resolve("cut-" + bytes + ".gguf");
    try (InputStream in = Files.newInputStream(source)) {
      Files.write(target, in.readNBytes((int) bytes));
    }
    return target;
  }
}
