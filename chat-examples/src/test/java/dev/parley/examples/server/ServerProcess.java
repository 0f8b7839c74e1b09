package dev.parley.examples.server;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runnable jar (or any command that starts the server) as a child process: its output is read
 * line by line on a daemon thread, and the port comes from the server's "listening" line.
 */
record ServerProcess(Process process, int port, List<String> output, Thread reader) {
  private static final Pattern LISTENING = Pattern.compile("Parley chat server on http://127\\.0\\.0\\.1:(\\d+)");

  /** Starts {@code command} with no standard input and waits up to {@code seconds} for it to listen. */
  static ServerProcess start(List<String> command, int seconds) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    List<String> output = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          output.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
      port.completeExceptionally(new AssertionError("the server exited before listening: " + output));
    });
    reader.setDaemon(true);
    reader.start();
    try {
      return new ServerProcess(p, port.get(seconds, TimeUnit.SECONDS), output, reader);
    } catch (Exception e) {
      p.destroyForcibly();
      throw e;
    }
  }
}
