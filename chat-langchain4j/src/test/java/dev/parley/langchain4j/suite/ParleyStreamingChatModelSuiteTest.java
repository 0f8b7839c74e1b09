package dev.parley.langchain4j.suite;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.atLeastOnce;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.common.AbstractStreamingChatModelIT;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.parley.langchain4j.ParleyChatModel;
import dev.parley.langchain4j.ParleyChatRequestParameters;
import dev.parley.langchain4j.ParleyStreamingChatModel;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.List;
import org.mockito.InOrder;


/** LangChain4j's common tests for a {@link StreamingChatModel}, run as they are against {@link ParleyStreamingChatModel}. */
class ParleyStreamingChatModelSuiteTest extends AbstractStreamingChatModelIT {

  @Override
  protected List<StreamingChatModel> models() {
    return List.of(ParleyChatModel.builder(SuiteAnswers.model()).buildStreaming());
  }

  @Override
  protected StreamingChatModel createModelWith(ChatRequestParameters parameters) {
    return ParleyChatModel.builder(SuiteAnswers.model()).defaultRequestParameters(parameters).buildStreaming();
  }

  @Override
  public StreamingChatModel createModelWith(ChatModelListener listener) {
    return ParleyChatModel.builder(SuiteAnswers.model()).listeners(List.of(listener)).buildStreaming();
  }

  @Override
  protected ChatRequestParameters createIntegrationSpecificParameters(int maxOutputTokens) {
    return ParleyChatRequestParameters.builder().maxOutputTokens(maxOutputTokens).seed(7L).build();
  }

  @Override
  protected boolean supportsModelNameParameter() {
    return false;
  }

  @Override
  protected boolean supportsSingleImageInputAsBase64EncodedString() {
    return false;
  }

  @Override
  protected boolean supportsMultipleImageInputsAsBase64EncodedStrings() {
    return false;
  }

  @Override
  protected boolean supportsSingleImageInputAsPublicURL() {
    return false;
  }

  @Override
  protected boolean supportsMultipleImageInputsAsPublicURLs() {
    return false;
  }

  /**
   * Off: Parley's SPI promises that one stream's callbacks never overlap and come in order, not that
   * they come from one thread ({@code StreamHandler}), and the fake model runs them on a pool.
   */
  @Override
  protected boolean assertThreads() {
    return false;
  }

  @Override
  protected boolean supportsPartialToolStreaming(StreamingChatModel model) {
    return true;
  }

  // Parley streams a call's arguments once the call is whole, in pieces (8 characters each from the
  // fake), then completes it: at least one partial call with the call's index, id and name, then
  // the complete call with all its arguments.

  @Override
  protected void verifyToolCallbacks(StreamingChatResponseHandler handler, InOrder io, String id) {
    verifyCall(handler, io, 0, id, "getWeather", "{\"city\": \"Munich\"}");
  }

  @Override
  protected void verifyToolCallbacks(StreamingChatResponseHandler handler, InOrder io, StreamingChatModel model) {
    io.verify(handler, atLeastOnce()).onPartialToolCall(argThat(p -> p.index() == 0 && p.name().equals("get_current_time")), any());
    io.verify(handler).onCompleteToolCall(argThat(c -> c.index() == 0
        && c.toolExecutionRequest().name().equals("get_current_time") && c.toolExecutionRequest().arguments().equals("{}")));
  }

  @Override
  protected void verifyToolCallbacks(StreamingChatResponseHandler handler, InOrder io, String id1, String id2) {
    verifyCall(handler, io, 0, id1, "getWeather", "{\"city\": \"Munich\"}");
    verifyCall(handler, io, 1, id2, "getTime", "{\"country\": \"France\"}");
  }

  private static void verifyCall(StreamingChatResponseHandler handler, InOrder io, int index, String id, String name,
      String arguments) {
    io.verify(handler, atLeastOnce()).onPartialToolCall(
        argThat(p -> p.index() == index && p.id().equals(id) && p.name().equals(name)), any());
    io.verify(handler).onCompleteToolCall(complete(index, id, name, arguments));
  }
}
