package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A WebSocket peer that goes silent (never answers a ping) is found and closed. */
class HeartbeatTest {
  @Test
  void aSilentPeerIsClosedAfterTheIdleTime() throws Exception {
    try (ServerHarness h = ServerHarness.start("--ws-idle-seconds", "2")) {
      try (Socket raw = new Socket("127.0.0.1", h.server.port())) {
        // The deadline for the server to act; how soon after the idle time it does is the machine's.
        raw.setSoTimeout(60_000);
        OutputStream out = raw.getOutputStream();
        out.write(("GET /ws/rooms/lobby?access_token=" + ServerHarness.ALICE + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = raw.getInputStream();
        long start = System.nanoTime();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        // Read (and never answer) until the server gives up on us.
        for (int b = in.read(); b != -1; b = in.read()) {
          seen.write(b);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String text = seen.toString(StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("HTTP/1.1 101"), text);
        // Never before the idle time: a peer is not closed while it may still answer.
        assertTrue(millis >= 2_000, "closed only after the 2 s idle time, took " + millis + " ms");
      }
      org.awaitility.Awaitility.await("the connection was let go").atMost(java.time.Duration.ofMinutes(1))
          .until(() -> h.server.service().metrics.webSockets.get() == 0);
    }
  }
}
