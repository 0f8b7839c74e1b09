package dev.parley.benchmarks;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.llama.LlamaChatModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to first token of turn 1 and turn 10 of one conversation, with and without prompt-cache
 * reuse, in one run. Before each measured call the slot has just served the conversation up to
 * the previous turn (as in a real chat), so with reuse only the new user message is processed;
 * without it the whole history is processed again.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class MultiTurnBenchmark {
  @Param({"1", "10"})
  public int turn;

  @Param({"true", "false"})
  public boolean promptCache;

  @Param({"synthetic-135m"})
  public String model;

  private LlamaChatModel chat;
  private ChatRequest previous;
  private ChatRequest current;

  @Setup(Level.Trial)
  public void load() {
    chat = LlamaChatModel.builder(BenchmarkModels.named(model)).contextSize(2048).slots(1).threads(1)
        .promptCache(promptCache).build();
    List<Message> history = new ArrayList<>();
    history.add(Message.system("You are a helpful assistant who answers questions about the sea."));
    for (int i = 1; i < turn; i++) {
      history.add(Message.user("Question " + i + ": what do you know about tides, waves and currents near the coast?"));
      history.add(Message.assistant("Answer " + i + ": tides follow the moon, waves follow the wind, and currents"
          + " carry warm and cold water along the shore over long distances."));
    }
    GenerationOptions first = GenerationOptions.builder().maxTokens(1).temperature(0).build();
    previous = history.size() > 1 ? new ChatRequest(history, first) : null;
    List<Message> now = new ArrayList<>(history);
    now.add(Message.user("Question " + turn + ": and what about storms?"));
    current = new ChatRequest(now, first);
  }

  /** The slot has just served the conversation up to the previous turn. */
  @Setup(Level.Invocation)
  public void previousTurn() {
    if (previous != null) {
      chat.generate(previous);
    } else {
      chat.generate(new ChatRequest(List.of(Message.user("unrelated warm-up text")), current.options()));
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    chat.close();
  }

  @Benchmark
  public int timeToFirstToken() {
    return chat.generate(current).usage().completionTokens();
  }
}
