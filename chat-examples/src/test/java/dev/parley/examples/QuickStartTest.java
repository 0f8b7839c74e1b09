package dev.parley.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.Message;
import dev.parley.testing.FakeChatModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuickStartTest {
  @Test
  void aTurnSanitizesRemembersAndStreamsTheReply() throws Exception {
    FakeChatModel model = FakeChatModel.thatEchoes();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    QuickStart chat = new QuickStart(model, model.tokenizer(), new PrintStream(bytes, true, StandardCharsets.UTF_8));

    chat.turn("c", "say\u0000 hi");
    chat.turn("c", "x".repeat(100));
    chat.turn("other", "say hi");

    String out = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("bot> say hi\n"), out);
    assertTrue(out.contains("[rejected: REPEATED_CHARACTERS]"), out);
    assertEquals(1, model.requests().size(), "the same opening in another conversation is answered from the cache");
    assertEquals("say hi", model.requests().get(0).lastMessage().content(), "the model sees the cleaned text");
    assertEquals(Message.user("say hi").content(), model.requests().get(0).messages().get(0).content());
  }
}
