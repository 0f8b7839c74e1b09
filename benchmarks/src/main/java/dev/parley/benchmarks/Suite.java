package dev.parley.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JMH run of the quick profile and how its table reads: the parameter that names the
 * implementation ({@code axis}), which of its values are Parley's ({@code subjects}) and which
 * are baselines; each subject gets a ratio column against each baseline measured in the same run.
 *
 * @param id short name, also the run's key in the JSON
 * @param title heading of the run's table
 * @param include JMH include pattern
 * @param params JMH parameters for this run
 * @param threads JMH threads (concurrent callers); 0 leaves each benchmark's own {@code @Threads}
 * @param warmup warm-up iterations and seconds each
 * @param measure measured iterations and seconds each
 * @param metric secondary result to show instead of the primary score, or null
 * @param metricUnit unit to print for the score when JMH's own says less (e.g. tokens/s), or null
 */
public record Suite(String id, String title, String include, Map<String, List<String>> params, int threads,
    int[] warmup, int[] measure, String axis, List<String> subjects, List<String> baselines, String metric,
    String metricUnit) {

  public Suite {
    params = new LinkedHashMap<>(params);
    subjects = List.copyOf(subjects);
    baselines = List.copyOf(baselines);
  }
}
