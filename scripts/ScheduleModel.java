// A model of the /v1 workload's turn 6 (ConversationLoad: 4 clients, 8 requests each, 66 new prompt
// tokens and 24 generated tokens a request, on 4 sequences), to compare schedules of prompt and
// decode work without the host's drift: each step costs what llama.cpp's passes cost when measured
// on their own, and the model adds them up. docs/benchmarks.md says how the costs were measured and
// how the model's figures compare with the measured ones. Run it with Java 17+:
//
//   java scripts/ScheduleModel.java [--prompt P1,P2,P3,P4] [--decode D1,D2,D3,D4] [--round-trip MS]
//
// P<k>: ms of one micro-batch of k prompts of 65 tokens each at a depth of 550 (one per stream);
// D<k>: ms of one micro-batch of one token for each of k sequences at that depth. A step that takes
// prompts beside generating sequences costs D(generating + prompts) + P(prompts), as llama.cpp's
// equal split makes two passes of it; prompts without generating tokens cost P only (one pass), and
// such a step gives only the prompts' first tokens.
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

public class ScheduleModel {
  static double[] prompt = {0, 135, 252, 360, 488};
  static double[] decode = {0, 7.5, 15, 22, 28};
  static double roundTrip = 20;
  static final int CLIENTS = 4, REQUESTS = 8, TOKENS = 24, SEEDS = 40;

  /** How many waiting prompts a step takes, and whether they go without the generating tokens. */
  interface Policy {
    int take(int generating, int waiting);

    default boolean alone(int generating, int waiting) {
      return false;
    }

    /** Holds prompts until every idle client's request is in (llama-server's slots in lockstep). */
    default boolean lockstep() {
      return false;
    }
  }

  record Result(double wallMs, double medianFirstTokenMs) {}

  static Result run(Policy policy, long seed) {
    Random random = new Random(seed);
    double[] sent = new double[CLIENTS], arrives = new double[CLIENTS];
    int[] left = new int[CLIENTS], generated = new int[CLIENTS];
    for (int c = 0; c < CLIENTS; c++) {
      left[c] = REQUESTS;
      sent[c] = random.nextDouble() * 5;
      arrives[c] = sent[c] + roundTrip;
    }
    List<Double> firstTokens = new ArrayList<>();
    double t = 0;
    while (Arrays.stream(left).anyMatch(n -> n > 0)) {
      List<Integer> waiting = new ArrayList<>();
      int generating = 0;
      double nextArrival = Double.MAX_VALUE;
      boolean anyOnTheWay = false;
      for (int c = 0; c < CLIENTS; c++) {
        if (generated[c] > 0) {
          generating++;
        } else if (left[c] > 0 && arrives[c] <= t) {
          waiting.add(c);
        } else if (left[c] > 0) {
          nextArrival = Math.min(nextArrival, arrives[c]);
          anyOnTheWay = true;
        }
      }
      if ((waiting.isEmpty() && generating == 0) || (policy.lockstep() && generating == 0 && anyOnTheWay)) {
        t = nextArrival;
        continue;
      }
      waiting.sort(Comparator.comparingDouble(c -> arrives[c]));
      List<Integer> take = waiting.subList(0, Math.min(waiting.size(), policy.take(generating, waiting.size())));
      boolean alone = !take.isEmpty() && generating > 0 && policy.alone(generating, waiting.size());
      // Prompts of one length and nothing else are one pass; beside generating sequences, two.
      t += alone || generating == 0 ? prompt[take.size()] : decode[generating + take.size()] + prompt[take.size()];
      for (int c = 0; c < CLIENTS; c++) {
        if (generated[c] > 0 && !alone) {
          generated[c]++;
        }
      }
      for (int c : take) {
        generated[c] = 1;
        firstTokens.add(t - sent[c]);
      }
      for (int c = 0; c < CLIENTS; c++) {
        if (generated[c] >= TOKENS) {
          generated[c] = 0;
          left[c]--;
          sent[c] = t + random.nextDouble() * 5;
          arrives[c] = sent[c] + roundTrip;
        }
      }
    }
    return new Result(t, median(firstTokens));
  }

  static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static Result median(Policy policy) {
    List<Double> walls = new ArrayList<>(), firsts = new ArrayList<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      Result r = run(policy, seed);
      walls.add(r.wallMs());
      firsts.add(r.medianFirstTokenMs());
    }
    return new Result(median(walls), median(firsts));
  }

  static double[] costs(String list) {
    double[] out = new double[5];
    String[] parts = list.split(",");
    if (parts.length != 4) {
      throw new IllegalArgumentException("four costs, for 1 to 4, were expected: " + list);
    }
    for (int i = 0; i < 4; i++) {
      out[i + 1] = Double.parseDouble(parts[i]);
    }
    return out;
  }

  public static void main(String[] args) {
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--prompt" -> prompt = costs(args[i + 1]);
        case "--decode" -> decode = costs(args[i + 1]);
        case "--round-trip" -> roundTrip = Double.parseDouble(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Result server = median(new Policy() {
      public int take(int generating, int waiting) {
        return CLIENTS;
      }

      public boolean lockstep() {
        return true;
      }
    });
    System.out.printf("%-52s wall %6.0f ms   first token %4.0f ms%n", "llama-server: the four prompts of a wave together",
        server.wallMs(), server.medianFirstTokenMs());
    print("every waiting prompt in the next step", (g, w) -> CLIENTS, server);
    print("one prompt a step (Parley)", (g, w) -> 1, server);
    print("one a step, alone when it is the only one waiting", new Policy() {
      public int take(int generating, int waiting) {
        return 1;
      }

      public boolean alone(int generating, int waiting) {
        return waiting == 1;
      }
    }, server);
    // Every rule "take up to cap[generating] prompts; alone or not by whether one or more wait".
    List<Object[]> all = new ArrayList<>();
    for (int code = 0; code < 4 * 4 * 4 * 4 * 4; code++) {
      int[] cap = {1 + code % 4, 1 + code / 4 % 4, 1 + code / 16 % 4, 1 + code / 64 % 4};
      boolean aloneOne = (code / 256 & 1) == 1, aloneMore = (code / 512 & 1) == 1;
      Result r = median(new Policy() {
        public int take(int generating, int waiting) {
          return cap[Math.min(generating, 3)];
        }

        public boolean alone(int generating, int waiting) {
          return waiting == 1 ? aloneOne : aloneMore;
        }
      });
      all.add(new Object[] {r, Arrays.toString(cap) + (aloneOne ? " alone-1" : "") + (aloneMore ? " alone-2+" : "")});
    }
    all.sort(Comparator.comparingDouble(o -> ((Result) o[0]).wallMs()));
    System.out.println("the best of " + all.size() + " rules (prompts a step by generating sequences 0-3) at each first-token time:");
    double best = Double.MAX_VALUE;
    for (Object[] o : all) {
      Result r = (Result) o[0];
      if (r.medianFirstTokenMs() < best - 1) {
        best = r.medianFirstTokenMs();
        System.out.printf("  %-50s wall %6.0f ms (%.3f)   first token %4.0f ms (%.2f)%n", o[1], r.wallMs(),
            r.wallMs() / server.wallMs(), r.medianFirstTokenMs(), r.medianFirstTokenMs() / server.medianFirstTokenMs());
      }
    }
  }

  static void print(String name, Policy policy, Result server) {
    Result r = median(policy);
    System.out.printf("%-52s wall %6.0f ms (%.3f)   first token %4.0f ms (%.2f)%n", name, r.wallMs(),
        r.wallMs() / server.wallMs(), r.medianFirstTokenMs(), r.medianFirstTokenMs() / server.medianFirstTokenMs());
  }
}
