package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Attacks on the HTTP side of the server from one machine, each defect kept fixed. */
class HttpAttackTest {
  private static final Duration WAIT = Duration.ofMinutes(1);

  /** An unauthenticated client sending made-up method names cannot add series to /metrics. */
  @Test
  void madeUpMethodNamesAddNoMetricSeries() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      Random random = new Random(7);
      List<String> methods = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        StringBuilder m = new StringBuilder("X");
        for (int c = 0; c < 300; c++) {
          m.append((char) ('A' + random.nextInt(26)));
        }
        methods.add(m.toString());
        h.http.send(HttpRequest.newBuilder(h.base.resolve("/api/info")).method(m.toString(),
            HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
      }
      String metrics = h.get("/metrics", ServerHarness.ALICE).body();
      for (String m : methods) {
        assertFalse(metrics.contains(m.substring(0, 40)), "a client's method name became a label: " + m);
      }
      long series = metrics.lines().filter(l -> l.startsWith("parley_http_requests_total{")).count();
      assertTrue(series <= 3, "40 made-up methods are one series, not 40: " + series + " series\n" + metrics);
      assertTrue(metrics.contains("method=\"other\""), "counted as other");
    }
  }

  /**
   * Bodies that trickle in hold at most {@code --max-open-requests-per-user} of one user's
   * requests; the rest answer 429 at once, other users are served, and a body slower than the
   * minimum rate is cut off with 408. Nothing is left counted once the sockets close.
   */
  @Test
  void slowBodiesFromOneUserHoldOnlyTheirOwnFewThreads() throws Exception {
    try (ServerHarness h = ServerHarness.start("--max-open-requests-per-user", "4",
        "--min-body-bytes-per-second", "1024", "--min-body-grace-ms", "1000")) {
      List<Socket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          held.add(slowBody(h, ServerHarness.ALICE));
        }
        Awaitility.await("4 of alice's requests open").atMost(WAIT)
            .until(() -> h.server.openRequests().open("alice"), n -> n == 4);

        for (int i = 0; i < 12; i++) {
          try (Socket refused = slowBody(h, ServerHarness.ALICE)) {
            assertTrue(statusLine(refused).startsWith("HTTP/1.1 429"), "over the bound: refused at once");
          }
        }
        HttpResponse<String> info = h.get("/api/conversations", ServerHarness.BOB);
        assertEquals(200, info.statusCode(), "another user is served: " + info.body());
        HttpResponse<String> own = h.get("/api/conversations", ServerHarness.ALICE);
        assertEquals(429, own.statusCode(), own.body());
        assertTrue(own.body().contains("too_many_open_requests"), own.body());

        // A second byte 1.5 s after the first, past the 1 s grace: 2 bytes where 1,536 were due.
        Socket slow = held.get(0);
        Thread.sleep(1_500);
        slow.getOutputStream().write('x');
        slow.getOutputStream().flush();
        assertTrue(statusLine(slow).startsWith("HTTP/1.1 408"), "a body below the minimum rate is cut off");
        Awaitility.await("the cut-off request is let go").atMost(WAIT)
            .until(() -> h.server.openRequests().open("alice"), n -> n == 3);
      } finally {
        for (Socket s : held) {
          s.close();
        }
      }
      Awaitility.await("every request let go").atMost(WAIT).until(() -> h.server.openRequests().users() == 0);
      assertEquals(201, h.post("/api/conversations", ServerHarness.ALICE, "{\"title\":\"after\"}").statusCode());
    }
  }

  /**
   * Within the grace period no rate applies: on a fresh server, a body whose second part comes a
   * moment after its first is read in full, even under a minimum rate it could never meet.
   */
  @Test
  void aBodyInTwoPartsIsReadOnAFreshServer() throws Exception {
    try (ServerHarness h = ServerHarness.start("--min-body-bytes-per-second", "1000000")) {
      String body = "{\"title\":\"" + "t".repeat(100) + "\"}";
      try (Socket s = new Socket("127.0.0.1", h.server.port())) {
        s.setSoTimeout(60_000);
        OutputStream out = s.getOutputStream();
        out.write(("POST /api/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ServerHarness.ALICE
            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
            + body.substring(0, 10)).getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Thread.sleep(100);
        out.write(body.substring(10).getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String status = statusLine(s);
        assertTrue(status.startsWith("HTTP/1.1 201"), "100 ms apart, within the grace period: " + status);
      }
    }
  }

  /** Bodies cut short or framed wrongly are the client's error (400), never a 500. */
  @Test
  void truncatedAndMalformedBodiesAreTheClientsError() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      String head = "POST /api/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ServerHarness.ALICE
          + "\r\nContent-Type: application/json\r\n";
      // Shorter than its Content-Length, then the client stops sending.
      assertClientError(h, head + "Content-Length: 100\r\n\r\n{\"title\":", true);
      // A chunk size no one can send.
      assertClientError(h, head + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n", false);
      // A 10 KB chunk extension.
      assertClientError(h, head + "Transfer-Encoding: chunked\r\n\r\n5;" + "e".repeat(10_000) + "\r\n{\"a\":\r\n0\r\n\r\n",
          false);
      assertEquals(201, h.post("/api/conversations", ServerHarness.ALICE, "{\"title\":\"still fine\"}").statusCode());
    }
  }

  /** Both APIs refuse a field given twice, and nest no deeper than 32, in their own words. */
  @Test
  void duplicateFieldsAndDeepNestingAreRefusedAlikeOnBothApis() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      HttpResponse<String> v1 = h.post("/v1/chat/completions", ServerHarness.ALICE,
          "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1000000,\"max_tokens\":4}");
      assertEquals(400, v1.statusCode(), v1.body());
      assertTrue(v1.body().contains("field 'max_tokens' appears more than once"), v1.body());
      HttpResponse<String> rest = h.post("/api/conversations", ServerHarness.ALICE, "{\"title\":\"a\",\"title\":\"b\"}");
      assertEquals(400, rest.statusCode(), rest.body());
      assertTrue(rest.body().contains("field 'title' appears more than once"), rest.body());

      String deep = "{\"title\":\"x\",\"a\":" + "[".repeat(40) + "]".repeat(40) + "}";
      for (String path : List.of("/api/conversations", "/v1/chat/completions")) {
        HttpResponse<String> r = h.post(path, ServerHarness.ALICE, deep);
        assertEquals(400, r.statusCode(), path + ": " + r.body());
        assertTrue(r.body().contains("nests deeper than 32 levels"), path + ": " + r.body());
        assertFalse(r.body().contains("StreamReadConstraints"), r.body());
      }
      HttpResponse<String> nan = h.post("/v1/chat/completions", ServerHarness.ALICE,
          "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":NaN}");
      assertEquals(400, nan.statusCode());
      assertFalse(nan.body().contains("JsonReadFeature"), nan.body());
      HttpResponse<String> audio = h.post("/v1/chat/completions", ServerHarness.ALICE,
          "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"modalities\":[\"text\",\"audio\"]}");
      assertEquals(400, audio.statusCode(), audio.body());
      assertTrue(audio.body().contains("modalities"), audio.body());
    }
  }

  private static void assertClientError(ServerHarness h, String request, boolean halfClose) throws IOException {
    try (Socket s = new Socket("127.0.0.1", h.server.port())) {
      s.setSoTimeout(60_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      if (halfClose) {
        s.shutdownOutput();
      }
      String status = statusLine(s);
      assertTrue(status.isEmpty() || status.matches("HTTP/1\\.1 4\\d\\d .*"),
          "a 4xx or a quiet close, got '" + status + "' for " + request.substring(request.indexOf("\r\n\r\n")));
    }
  }

  /** A socket that sent a request's headers (a 1,000-byte body promised) and one byte of the body. */
  private static Socket slowBody(ServerHarness h, String key) throws IOException {
    Socket s = new Socket("127.0.0.1", h.server.port());
    s.setSoTimeout(60_000);
    OutputStream out = s.getOutputStream();
    out.write(("POST /api/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return s;
  }

  /** The response's first line, or "" if the server closed the connection without one. */
  private static String statusLine(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
        line.write(b);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no response within a minute", e);
    } catch (IOException reset) {
      // A reset is a close.
    }
    return line.toString(StandardCharsets.ISO_8859_1).trim();
  }
}
