package dev.parley.langchain4j.suite;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.common.AbstractStreamingChatModelListenerIT;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.parley.chat.ModelUnavailableException;
import dev.parley.langchain4j.ParleyChatModel;
import dev.parley.testing.FakeChatModel;
import java.util.List;

/** LangChain4j's listener tests for a {@link StreamingChatModel}, run as they are against {@link ParleyChatModel}. */
class ParleyStreamingChatModelListenerSuiteTest extends AbstractStreamingChatModelListenerIT {

  @Override
  protected StreamingChatModel createModel(ChatModelListener listener) {
    return ParleyChatModel.builder(SuiteAnswers.model()).listeners(List.of(listener))
        .defaultRequestParameters(defaults()).buildStreaming();
  }

  @Override
  protected String modelName() {
    return SuiteAnswers.MODEL_ID;
  }

  @Override
  protected StreamingChatModel createFailingModel(ChatModelListener listener) {
    FakeChatModel failing = FakeChatModel.builder().id(SuiteAnswers.MODEL_ID)
        .failure(() -> new ModelUnavailableException("the model is down")).build().failNext(Integer.MAX_VALUE);
    return ParleyChatModel.builder(failing).listeners(List.of(listener)).buildStreaming();
  }

  @Override
  protected Class<? extends Exception> expectedExceptionClass() {
    return dev.langchain4j.exception.RetriableException.class;
  }

  private ChatRequestParameters defaults() {
    return ChatRequestParameters.builder().temperature(temperature()).topP(topP()).maxOutputTokens(maxTokens()).build();
  }
}
