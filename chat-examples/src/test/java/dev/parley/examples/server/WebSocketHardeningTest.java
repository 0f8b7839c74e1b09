package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What one user can do to the server over WebSockets, bounded. */
class WebSocketHardeningTest {

  @Test
  void oneUserMayHoldOnlySoManyConnections() throws Exception {
    try (ServerHarness h = ServerHarness.start("--ws-max-per-user", "2")) {
      ServerHarness.Socket first = h.connect("/ws/rooms/lobby", ServerHarness.ALICE);
      ServerHarness.Socket second = h.connect("/ws/rooms/other", ServerHarness.ALICE);
      assertEquals("history", first.next().path("type").asText());
      assertEquals("history", second.next().path("type").asText());

      ServerHarness.Socket third = h.connect("/ws/rooms/lobby", ServerHarness.ALICE);
      assertEquals(1008, third.closed.get(10, TimeUnit.SECONDS));
      assertTrue(third.closeReason.get().contains("at most 2 per user"), third.closeReason.get());
      // Another user is not affected; and a closed connection gives its place back.
      ServerHarness.Socket bob = h.connect("/ws/rooms/lobby", ServerHarness.BOB);
      assertEquals("history", bob.next().path("type").asText());
      first.ws.sendClose(1000, "bye").join();
      first.closed.get(10, TimeUnit.SECONDS);
      awaitOpen(h, ServerHarness.ALICE, 1);
      ServerHarness.Socket again = h.connect("/ws/rooms/lobby", ServerHarness.ALICE);
      assertEquals("history", again.next().path("type").asText());
    }
  }

  @Test
  void connectionsLeaveNoHttpSessionBehind() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      for (int i = 0; i < 20; i++) {
        ServerHarness.Socket s = h.connect("/ws/rooms/lobby", i % 2 == 0 ? ServerHarness.ALICE : ServerHarness.BOB);
        assertEquals("history", s.next().path("type").asText());
        s.ws.sendClose(1000, "bye").join();
        s.closed.get(10, TimeUnit.SECONDS);
      }
      long[] sessions = h.server.httpSessions();
      assertTrue(sessions[1] >= 20, "each upgrade made a session (Javalin reads it): " + sessions[1]);
      assertEquals(0, sessions[0], "none is kept once its request has ended");
    }
  }

  @Test
  void joiningARoomSendsItsHistoryInPages() throws Exception {
    try (ServerHarness h = ServerHarness.start("--room-history", "3", "--requests-per-minute", "1000")) {
      ServerHarness.Socket writer = h.connect("/ws/rooms/paged", ServerHarness.ALICE);
      writer.next();
      for (int i = 0; i < 7; i++) {
        writer.send("{\"type\":\"message\",\"content\":\"m" + i + "\"}");
        assertEquals("m" + i, writer.until("message").get(0).path("content").asText(""));
      }
      ServerHarness.Socket reader = h.connect("/ws/rooms/paged", ServerHarness.BOB);
      JsonNode page = reader.next();
      assertEquals(List.of("m4", "m5", "m6"), page.get("messages").findValuesAsText("content"));
      assertTrue(page.get("more").asBoolean());
      long oldest = page.get("messages").get(0).get("sequence").asLong();
      reader.send("{\"type\":\"history\",\"before\":" + oldest + "}");
      page = reader.next();
      assertEquals(List.of("m1", "m2", "m3"), page.get("messages").findValuesAsText("content"));
      reader.send("{\"type\":\"history\",\"before\":" + page.get("messages").get(0).get("sequence").asLong() + "}");
      page = reader.next();
      assertEquals(List.of("m0"), page.get("messages").findValuesAsText("content"));
      assertFalse(page.get("more").asBoolean());
    }
  }

  @Test
  void clientsThatNeverReadAreDisconnectedAndTheHeapStaysBounded() throws Exception {
    int idle = 24;
    try (ServerHarness h = ServerHarness.start("--ws-max-queued-bytes", "65536", "--ws-max-per-user", "100",
        "--requests-per-minute", "100000", "--max-message-chars", "60000", "--max-frame-bytes", "131072",
        "--max-body-bytes", "131072", "--context-size", "65536", "--ws-max-frames-per-second", "1000")) {
      // Raw sockets that upgrade to room "flood", then never read another byte.
      List<Socket> silent = new ArrayList<>();
      for (int i = 0; i < idle; i++) {
        Socket raw = new Socket();
        raw.setReceiveBufferSize(4096);
        raw.connect(new java.net.InetSocketAddress("127.0.0.1", h.server.port()));
        OutputStream out = raw.getOutputStream();
        out.write(("GET /ws/rooms/flood?access_token=" + ServerHarness.BOB + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        silent.add(raw);
      }
      awaitOpen(h, ServerHarness.BOB, idle);

      // One reader who keeps up, one writer: 100 messages of 60,000 characters, each sent to all:
      // 6 MB a socket, more than the kernel buffers.
      ServerHarness.Socket reader = h.connect("/ws/rooms/flood", ServerHarness.ALICE);
      reader.next();
      ServerHarness.Socket writer = h.connect("/ws/rooms/flood", ServerHarness.ALICE);
      writer.next();
      String big = "the quick brown fox jumps over the lazy dog ".repeat(1363); // 59,972 characters
      for (int i = 0; i < 100; i++) {
        writer.send("{\"type\":\"message\",\"content\":\"" + big + "\"}");
        JsonNode echo = writer.next();
        assertEquals("message", echo.path("type").asText(), echo.toString());
        // The reader takes each message before the next is sent: it keeps up whatever the speed.
        JsonNode f = reader.next();
        while (!"message".equals(f.path("type").asText())) {
          f = reader.next();
        }
      }
      // Every silent socket was cut off once its queue passed 64 KiB; the reader got everything.
      awaitOpen(h, ServerHarness.BOB, 0);
      // Unbounded, 24 sockets x 6 MB, less what the kernel holds, would be queued in the heap: no
      // socket ever had more than its 64 KiB waiting.
      long most = h.server.sockets().mostQueuedBytes();
      assertTrue(most > 0 && most <= 65536, "most bytes waiting for one socket: " + most);
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  private static void awaitOpen(ServerHarness h, String key, int expected) throws InterruptedException {
    String user = key.equals(ServerHarness.ALICE) ? "alice" : "bob";
    org.awaitility.Awaitility.await("open connections of " + user).atMost(java.time.Duration.ofMinutes(1))
        .until(() -> h.server.sockets().openConnections(user), n -> n == expected);
  }
}
