package dev.parley.examples;

import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.Tokenizer;
import dev.parley.memory.AppendResult;
import dev.parley.memory.ConversationManager;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.sanitize.InputSanitizer;
import dev.parley.sanitize.SanitizationResult;
import dev.parley.testing.FakeChatModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Parley's pieces composed for one chat: input sanitizing, token-trimmed memory, a response cache
 * and a circuit breaker in front of a model. Runs on the in-memory fake model, so it needs no GGUF
 * file; swap in a real {@link ChatModel} to chat with one.
 *
 * <p>Without arguments it plays a short scripted conversation; with {@code --interactive} it
 * chats on standard input until end of input.
 */
public final class QuickStart {
  private final InputSanitizer sanitizer = InputSanitizer.defaults();
  private final ConversationManager memory;
  private final ChatModel model;
  private final ResponseCache cache = ResponseCache.builder().build();
  private final CircuitBreaker breaker = CircuitBreaker.ofDefaults();
  private final PrintStream out;

  QuickStart(ChatModel baseModel, Tokenizer tokenizer, PrintStream out) {
    this.out = out;
    this.memory = ConversationManager.builder().tokenizer(tokenizer).maxTokens(256).maxMessages(20).build();
    // The cache sits in front of the breaker: a cached reply never touches the model.
    this.model = cache.decorate(breaker.decorate(baseModel, Duration.ofSeconds(60)));
  }

  public static void main(String[] args) throws Exception {
    boolean interactive = List.of(args).contains("--interactive");
    if (List.of(args).contains("--help")) {
      System.out.println("usage: java -jar parley-examples.jar [--interactive]");
      System.out.println("  Plays a scripted chat on Parley's fake model; --interactive chats on standard input.");
      return;
    }
    FakeChatModel fake =
        FakeChatModel.builder()
            .responder(r -> "You said: \"" + r.lastMessage().content() + "\". I am the fake model, so that is all I can say.")
            .tokenDelay(Duration.ofMillis(15))
            .build();
    QuickStart chat = new QuickStart(fake, fake.tokenizer(), System.out);
    System.out.println("*** Running on Parley's FAKE model: replies are canned. ***");
    System.out.println("*** Use chat-llama's LlamaChatModel with your own GGUF file for real replies. ***");
    if (interactive) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      System.out.print("you> ");
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        chat.turn("console", line);
        System.out.print("you> ");
      }
    } else {
      chat.turn("demo", "Hello! What can Parley do?");
      chat.turn("demo", "Tell me about \u0000control characters\u0007 and    spaces.");
      chat.turn("demo", "!".repeat(200));
      // A second conversation opening with the same words is the same request: a cache hit.
      chat.turn("demo-2", "Hello! What can Parley do?");
    }
    System.out.println("cache: " + chat.cache.statistics());
    System.out.println("memory: " + chat.memory.conversation(interactive ? "console" : "demo"));
  }

  /** One turn: sanitize, remember, generate (streaming), remember the reply. */
  void turn(String conversationId, String userText) throws InterruptedException {
    out.println("you> " + userText.replace("\u0000", "\\0").replace("\u0007", "\\a"));
    SanitizationResult input = sanitizer.sanitize(userText);
    if (input instanceof SanitizationResult.Rejected rejected) {
      out.println("[rejected: " + rejected.reason() + "] " + rejected.message());
      return;
    }
    memory.append(conversationId, Message.user(input.text()));
    GenerationOptions options = GenerationOptions.builder().temperature(0).maxTokens(64).build();
    out.print("bot> ");
    try {
      ChatResponse reply =
          model.stream(memory.request(conversationId, options), printing())
              .completion().toCompletableFuture().get(60, TimeUnit.SECONDS);
      AppendResult stored = memory.append(conversationId, reply.toMessage());
      out.println();
      out.println("     [" + reply.finishReason() + ", " + reply.usage().totalTokens() + " tokens; memory "
          + stored.conversation().tokens() + " tokens, " + stored.trimmed().size() + " messages trimmed]");
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      ParleyException failure = ParleyException.from(e);
      out.println();
      out.println("[model failed" + (failure.isRetriable() ? ", try again" : "") + "] " + failure.getMessage());
    }
  }

  private StreamHandler printing() {
    return new StreamHandler() {
      @Override
      public void onToken(String token) {
        out.print(token);
        out.flush();
      }

      @Override
      public void onComplete(ChatResponse response) {}

      @Override
      public void onError(ParleyException error) {}
    };
  }
}
