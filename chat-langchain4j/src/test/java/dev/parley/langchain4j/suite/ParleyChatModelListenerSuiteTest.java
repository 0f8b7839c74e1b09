package dev.parley.langchain4j.suite;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.common.AbstractChatModelListenerIT;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.parley.chat.ModelUnavailableException;
import dev.parley.langchain4j.ParleyChatModel;
import dev.parley.testing.FakeChatModel;
import java.util.List;

/** LangChain4j's listener tests for a {@link ChatModel}, run as they are against {@link ParleyChatModel}. */
class ParleyChatModelListenerSuiteTest extends AbstractChatModelListenerIT {

  @Override
  protected ChatModel createModel(ChatModelListener listener) {
    return ParleyChatModel.builder(SuiteAnswers.model()).listeners(List.of(listener))
        .defaultRequestParameters(defaults()).build();
  }

  @Override
  protected String modelName() {
    return SuiteAnswers.MODEL_ID;
  }

  @Override
  protected ChatModel createFailingModel(ChatModelListener listener) {
    FakeChatModel failing = FakeChatModel.builder().id(SuiteAnswers.MODEL_ID)
        .failure(() -> new ModelUnavailableException("the model is down")).build().failNext(Integer.MAX_VALUE);
    return ParleyChatModel.builder(failing).listeners(List.of(listener)).build();
  }

  @Override
  protected Class<? extends Exception> expectedExceptionClass() {
    return dev.langchain4j.exception.RetriableException.class;
  }

  private ChatRequestParameters defaults() {
    return ChatRequestParameters.builder().temperature(temperature()).topP(topP()).maxOutputTokens(maxTokens()).build();
  }
}
