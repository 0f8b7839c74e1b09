package dev.parley.langchain4j.suite;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.common.AbstractChatModelIT;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.parley.langchain4j.ParleyChatModel;
import dev.parley.langchain4j.ParleyChatRequestParameters;
import java.util.List;

/** LangChain4j's common tests for a {@link ChatModel}, run as they are against {@link ParleyChatModel}. */
class ParleyChatModelSuiteTest extends AbstractChatModelIT {

  @Override
  protected List<ChatModel> models() {
    return List.of(ParleyChatModel.builder(SuiteAnswers.model()).build());
  }

  @Override
  protected ChatModel createModelWith(ChatRequestParameters parameters) {
    return ParleyChatModel.builder(SuiteAnswers.model()).defaultRequestParameters(parameters).build();
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
}
