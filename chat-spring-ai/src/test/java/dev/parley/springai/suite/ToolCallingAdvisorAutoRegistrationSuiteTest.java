package dev.parley.springai.suite;

import dev.parley.springai.ParleySpringChatModel;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.test.chat.client.advisor.AbstractToolCallingAdvisorAutoRegistrationIT;

/** Spring AI's shared tests of the tool-calling advisor registered by default for a chat model, run as they are against {@link ParleySpringChatModel}. */
class ToolCallingAdvisorAutoRegistrationSuiteTest extends AbstractToolCallingAdvisorAutoRegistrationIT {

  @Override
  protected ChatModel getChatModel() {
    return ParleySpringChatModel.builder(SuiteAnswers.model()).build();
  }
}
