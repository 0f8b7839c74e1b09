package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        raw.setSoTimeout(15_000);
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
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        String text = seen.toString(StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("HTTP/1.1 101"), text);
        assertTrue(seconds >= 1 && seconds < 12, "closed after the idle time, took " + seconds + " s");
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (h.server.service().metrics.webSockets.get() != 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(0, h.server.service().metrics.webSockets.get(), "the connection was let go");
    }
  }
}
