package dev.parley.springai.suite;

import dev.parley.springai.ParleySpringChatModel;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.test.chat.client.advisor.AbstractToolCallingAdvisorIT;

/** Spring AI's shared tool-calling tests for a chat model, run as they are against {@link ParleySpringChatModel}. */
class ToolCallingAdvisorSuiteTest extends AbstractToolCallingAdvisorIT {

  @Override
  protected ChatModel getChatModel() {
    return ParleySpringChatModel.builder(SuiteAnswers.model()).build();
  }
}
