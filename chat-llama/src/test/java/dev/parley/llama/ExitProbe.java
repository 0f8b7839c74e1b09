package dev.parley.llama;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import java.nio.file.Path;
import java.util.List;

/** A Parley user's program: load, generate, close, return from main. Run as a child JVM by tests. */
public final class ExitProbe {
  private ExitProbe() {}

  public static void main(String[] args) {
    try (LlamaChatModel model = LlamaChatModel.builder(Path.of(args[0])).contextSize(256).threads(1).build()) {
      String reply = model.generate(new ChatRequest(List.of(Message.user("Hi")),
          GenerationOptions.builder().maxTokens(4).temperature(0).build())).text();
      System.out.println("PROBE reply of " + reply.length() + " chars");
    }
    System.out.println("PROBE main returns");
  }
}
