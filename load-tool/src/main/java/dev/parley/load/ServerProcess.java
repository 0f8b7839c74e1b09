package dev.parley.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The example chat server in a child JVM on a free loopback port, so the load tool measures the
 * server's own process: its resident memory is read from {@code /proc}, and it is stopped with
 * SIGTERM, the way a service manager would.
 */
final class ServerProcess {
  private final Process process;
  private final URI base;
  private final Path log;

  private ServerProcess(Process process, URI base, Path log) {
    this.process = process;
    this.base = base;
    this.log = log;
  }

  /** Starts the server with {@code args} (host, port and store are chosen here) and waits until /health says ready. */
  static ServerProcess start(List<String> jvmArgs, List<String> args, Path workDir, Duration startTimeout)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Files.createDirectories(workDir);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.parley.examples.server.ChatServer");
    command.addAll(List.of("--host", "127.0.0.1", "--port", Integer.toString(port),
        "--db", "jdbc:sqlite:" + workDir.resolve("load.db")));
    command.addAll(args);
    Path log = workDir.resolve("server.log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ServerProcess server = new ServerProcess(p, URI.create("http://127.0.0.1:" + port), log);
    try {
      server.awaitReady(startTimeout);
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.stop();
      throw e;
    }
    return server;
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("the server exited with " + process.exitValue() + " during start-up; see " + log);
      }
      try {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(base.resolve("/health")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IOException("the server was not ready within " + timeout + "; see " + log);
  }

  URI base() {
    return base;
  }

  Path log() {
    return log;
  }

  long pid() {
    return process.pid();
  }

  /** The server's resident memory now, in bytes (Linux), if it can be read. */
  OptionalLong residentBytes() {
    return status("VmRSS:");
  }

  /** The server's peak resident memory, in bytes (Linux), if it can be read. */
  OptionalLong peakResidentBytes() {
    return status("VmHWM:");
  }

  private OptionalLong status(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith(field)) {
          String[] parts = line.substring(field.length()).trim().split("\\s+");
          return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
        }
      }
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      // not Linux, or the process is gone
    }
    return OptionalLong.empty();
  }

  /**
   * SIGTERM, then the server's own drain; forcibly killed if it does not exit within 30 s. Returns
   * the exit code. Does nothing more when the server has already exited.
   */
  int stop() throws InterruptedException {
    if (!process.isAlive()) {
      return process.exitValue();
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    return process.isAlive() ? -1 : process.exitValue();
  }
}
