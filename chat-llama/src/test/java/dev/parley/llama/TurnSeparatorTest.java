package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.parley.chat.Message;
import dev.parley.chat.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The separator found for templates written here: one that grows turn by turn, and ones that do not. */
class TurnSeparatorTest {
  /** ChatML with the assistant header at the end, as llama.cpp renders it. */
  private static String chatml(String system, List<Message> turns) {
    StringBuilder out = new StringBuilder();
    for (Message m : turns) {
      out.append("<|im_start|>").append(m.role() == Role.USER ? "user" : "assistant").append('\n')
          .append(m.content()).append("<|im_end|>\n");
    }
    return out.append("<|im_start|>assistant\n").toString();
  }

  @Test
  void chatmlPutsTheEndOfTheReplyAndTheUsersHeaderBetweenTurns() {
    assertEquals("<|im_end|>\n<|im_start|>user\n", TurnSeparator.find(TurnSeparatorTest::chatml));
  }

  @Test
  void aTemplateThatRendersOnlyTheLastMessageHasNone() {
    assertNull(TurnSeparator.find((system, turns) -> "[INST] " + turns.get(turns.size() - 1).content() + " [/INST]"));
  }

  @Test
  void aTemplateWhoseGenerationPromptIsNotWhereTheReplyGoesHasNone() {
    // The generation prompt says "Assistant:" but a rendered reply follows "Bot:": the first prompt
    // is not a prefix of the longer one.
    assertNull(TurnSeparator.find((system, turns) -> {
      StringBuilder out = new StringBuilder();
      for (Message m : turns) {
        out.append(m.role() == Role.USER ? "User: " : "Bot: ").append(m.content()).append('\n');
      }
      return out.append("Assistant:").toString();
    }));
  }
}
