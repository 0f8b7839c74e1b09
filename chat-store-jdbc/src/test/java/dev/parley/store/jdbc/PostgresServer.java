package dev.parley.store.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL server from Debian's {@code postgresql} package: {@code initdb} in a temp
 * folder, {@code postgres} on a free loopback port, trust authentication for user {@code parley}.
 * PostgreSQL refuses to run as root, so as root it runs as the package's {@code postgres} user.
 * Under {@code CI=true} a missing PostgreSQL is a failure, not a skip.
 */
public final class PostgresServer implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Process process;

  private PostgresServer(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  public static PostgresServer start() throws IOException, InterruptedException {
    Path bin = binaries().orElseGet(() -> {
      String message = "PostgreSQL is not installed (apt-get install postgresql, or set PARLEY_PG_BIN)";
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
      return null;
    });
    Path dir = Files.createTempDirectory("parley-pg");
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
    }
    Path data = dir.resolve("data");
    run(as(root, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "parley", "--auth=trust",
        "-E", "UTF8", "--no-sync")));
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Process p = new ProcessBuilder(as(root, List.of(bin.resolve("postgres").toString(), "-D", data.toString(),
        "-p", Integer.toString(port), "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off")))
        .redirectErrorStream(true).redirectOutput(dir.resolve("postgres.log").toFile()).start();
    PostgresServer server = new PostgresServer(dir, port, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!server.ready()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        server.close();
        throw new IOException("postgres did not start: " + Files.readString(dir.resolve("postgres.log")));
      }
      Thread.sleep(100);
    }
    return server;
  }

  private boolean ready() {
    try (var c = java.sql.DriverManager.getConnection(jdbcUrl(), "parley", null)) {
      return c.isValid(1);
    } catch (java.sql.SQLException e) {
      return false;
    }
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  private static List<String> as(boolean root, List<String> command) {
    if (!root) {
      return command;
    }
    List<String> out = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    out.addAll(command);
    return out;
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }

  private static Optional<Path> binaries() {
    String configured = System.getenv("PARLEY_PG_BIN");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured));
    }
    File[] versions = new File("/usr/lib/postgresql").listFiles();
    if (versions == null) {
      return Optional.empty();
    }
    return Arrays.stream(versions).map(v -> v.toPath().resolve("bin"))
        .filter(b -> Files.isExecutable(b.resolve("postgres")))
        .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))));
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.destroyForcibly();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
