package dev.parley.testing.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.TokenUsage;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolCallDelta;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The recorder is what the contract test sees through, so each breach it should catch is shown caught. */
class RecordingStreamHandlerTest {
  private static final TokenUsage USAGE = new TokenUsage(1, 1);

  @Test
  void catchesDeltasOutOfOrder() {
    RecordingStreamHandler h = new RecordingStreamHandler();
    h.onToolCall(new ToolCallDelta(0, null, null, "{"));
    h.onToolCall(new ToolCallDelta(1, "b", "t", ""));
    h.onToolCall(new ToolCallDelta(0, "a", "t", "{}"));
    h.onToolCall(new ToolCallDelta(0, "a", "t", "{}"));
    assertEquals(List.of(
        "tool call 0 began without its id and name: ToolCallDelta[index=0, id=null, name=null, arguments={]",
        "tool call 1 streamed before call 0: ToolCallDelta[index=1, id=b, name=t, arguments=]",
        "tool call 0 was opened twice: ToolCallDelta[index=0, id=a, name=t, arguments={}]"), h.violations());
  }

  @Test
  void catchesDeltasThatDoNotAddUpToTheCalls() {
    RecordingStreamHandler h = new RecordingStreamHandler();
    h.onToolCall(new ToolCallDelta(0, "a", "t", "{\"x\":"));
    h.onToolCall(new ToolCallDelta(0, null, null, "1}"));
    assertEquals(List.of(new ToolCall("a", "t", "{\"x\":1}")), h.toolCalls());
    h.onComplete(new ChatResponse("", FinishReason.TOOL_CALLS, USAGE, List.of(new ToolCall("a", "t", "{\"x\":2}")), null));
    assertEquals(List.of("the streamed tool calls [ToolCall[id=a, name=t, arguments={\"x\":1}]] are not the response's "
        + "[ToolCall[id=a, name=t, arguments={\"x\":2}]]"), h.violations());
  }

  @Test
  void catchesCallsStreamedForAReplyThatMadeNone() {
    RecordingStreamHandler h = new RecordingStreamHandler();
    h.onToolCall(new ToolCallDelta(0, "a", "t", "{}"));
    h.onComplete(new ChatResponse("", FinishReason.STOP, USAGE));
    assertEquals(List.of("tool calls [ToolCall[id=a, name=t, arguments={}]] streamed, but the reply finished with STOP"), h.violations());
    RecordingStreamHandler cut = new RecordingStreamHandler();
    cut.onToolCall(new ToolCallDelta(0, "a", "t", "{"));
    cut.onComplete(new ChatResponse("", FinishReason.LENGTH, USAGE));
    assertEquals(List.of(), cut.violations(), "a call cut at maxTokens is dropped");
  }

  @Test
  void catchesReasoningThatDoesNotAddUp() {
    RecordingStreamHandler h = new RecordingStreamHandler();
    h.onReasoning("I think");
    h.onComplete(new ChatResponse("", FinishReason.STOP, USAGE, List.of(), "I thought"));
    assertEquals(List.of("the streamed reasoning \"I think\" is not the response's \"I thought\""), h.violations());
    h.onReasoning("late");
    assertEquals("onReasoning(\"late\") after the terminal call", h.violations().get(1));
  }
}
