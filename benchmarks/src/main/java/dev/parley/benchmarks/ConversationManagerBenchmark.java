package dev.parley.benchmarks;

import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.Tokenizer;
import dev.parley.llama.LlamaChatModel;
import dev.parley.memory.ConversationManager;
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
 * Appends per second to a 200-message conversation held at its token budget, so every append
 * also trims: {@code ConversationManager} (each message counted once, when appended) against the
 * seed's memory, which recounts every message on every append. Both use the same tokenizer: the
 * seed's {@code len / 4} estimate, or the tiny llama model's real tokenizer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ConversationManagerBenchmark {
  static final int MESSAGES = 200;

  /** The memories compared. */
  public enum Implementation {
    /** Parley's ConversationManager over its in-memory store. */
    PARLEY,
    /** The seed's memory: a list, every message recounted on every append. */
    RECOUNT_BASELINE
  }

  /** How tokens are counted. */
  public enum Counting {
    /** The seed's estimate: characters / 4. */
    CHARS_DIV_4,
    /** The tiny llama model's tokenizer, through JNI. */
    LLAMA_TOKENIZER
  }

  @Param
  public Implementation implementation;

  @Param
  public Counting counting;

  private LlamaChatModel model;
  private Tokenizer tokenizer;
  private ConversationManager manager;
  private RecountingMemory baseline;
  private List<Message> turns;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    if (counting == Counting.LLAMA_TOKENIZER) {
      model = LlamaChatModel.builder(BenchmarkModels.tiny()).contextSize(512).build();
      tokenizer = model;
    } else {
      tokenizer = text -> text.length() / 4;
    }
    turns = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      turns.add(Message.user("Question " + i + ": how do tides, waves and the wind shape a sandy beach over a year?"));
      turns.add(Message.assistant("Answer " + i + ": the tide moves sand up and down the shore twice a day, storms"
          + " pull it out to sea in winter, and gentle summer waves bring it back."));
    }
    Message system = Message.system("You are a helpful assistant who answers questions about the sea.");
    int budget = tokenizer.countTokens(system);
    for (int i = 0; i < MESSAGES; i++) {
      budget += tokenizer.countTokens(turns.get(i % turns.size()));
    }
    if (implementation == Implementation.PARLEY) {
      manager = ConversationManager.builder().tokenizer(tokenizer).maxTokens(budget).build();
      manager.append("c", system);
    } else {
      baseline = new RecountingMemory(tokenizer, budget);
      baseline.append(system);
    }
    for (int i = 0; i < MESSAGES; i++) {
      append();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (model != null) {
      model.close();
    }
  }

  private int append() {
    Message m = turns.get(next++ % turns.size());
    if (manager != null) {
      return manager.append("c", m).conversation().messages().size();
    }
    return baseline.append(m);
  }

  /** One append, and the trim it causes. Returns the messages kept. */
  @Benchmark
  public int appendAndTrim() {
    return append();
  }

  /** The seed's memory: keeps messages in a list and recounts them all to decide what to drop. */
  static final class RecountingMemory {
    private final List<Message> messages = new ArrayList<>();
    private final Tokenizer tokenizer;
    private final int maxTokens;

    RecountingMemory(Tokenizer tokenizer, int maxTokens) {
      this.tokenizer = tokenizer;
      this.maxTokens = maxTokens;
    }

    int append(Message message) {
      messages.add(message);
      while (total() > maxTokens) {
        int oldest = firstNonSystem();
        if (oldest < 0 || oldest == messages.size() - 1) {
          break;
        }
        messages.remove(oldest);
      }
      return messages.size();
    }

    private int total() {
      int total = 0;
      for (Message m : messages) {
        total += tokenizer.countTokens(m);
      }
      return total;
    }

    private int firstNonSystem() {
      for (int i = 0; i < messages.size(); i++) {
        if (messages.get(i).role() != Role.SYSTEM) {
          return i;
        }
      }
      return -1;
    }
  }
}
