package dev.parley.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.llama.ModelPool;
import dev.parley.llama.TestModels;
import dev.parley.springai.ParleySpringChatModel;
import dev.parley.testing.FakeChatModel;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What the starter makes of properties, and what it leaves to the application. */
class ParleyAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(ParleyAutoConfiguration.class, ParleyHealthAutoConfiguration.class,
          ParleyMetricsAutoConfiguration.class));
  private final String tiny = "parley.model.file=" + TestModels.tiny();

  @Test
  void withoutAModelNothingIsMade() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(dev.parley.chat.ChatModel.class);
      assertThat(context).doesNotHaveBean(org.springframework.ai.chat.model.ChatModel.class);
      assertThat(context).doesNotHaveBean(ParleyHealthIndicator.class);
    });
  }

  @Test
  void aModelFileGivesAPoolWithThePropertiesAndASpringAiModelOverIt() {
    AtomicReference<ModelPool> pool = new AtomicReference<>();
    runner.withPropertyValues(tiny, "parley.model.slots=3", "parley.model.id=tiny", "parley.model.context-size=512",
        "parley.model.threads=1", "parley.model.max-queue=5").run(context -> {
          pool.set(context.getBean(ModelPool.class));
          assertThat(pool.get().id()).isEqualTo("tiny");
          assertThat(pool.get().statistics().slots()).isEqualTo(3);
          assertThat(pool.get().statistics().loaded()).isTrue();
          org.springframework.ai.chat.model.ChatModel chat = context.getBean(org.springframework.ai.chat.model.ChatModel.class);
          assertThat(chat).isInstanceOf(ParleySpringChatModel.class);
          // greedy: a sampled reply may draw the end-of-text token before its third token
          var response = chat.call(new Prompt("Hi",
              org.springframework.ai.chat.prompt.ChatOptions.builder().temperature(0.0).maxTokens(3).build()));
          assertThat(response.getMetadata().getModel()).isEqualTo("tiny");
          assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(3);
          assertThat(context.getBean(ParleyHealthIndicator.class).health(true).getStatus()).isEqualTo(Status.UP);
        });
    assertThat(pool.get().statistics().loaded()).as("the pool is closed with the context").isFalse();
  }

  @Test
  void anApplicationsOwnParleyModelIsTheOneServedAndNoPoolIsLoaded() {
    runner.withUserConfiguration(OwnModel.class).withPropertyValues(tiny).run(context -> {
      assertThat(context).doesNotHaveBean(ModelPool.class);
      org.springframework.ai.chat.model.ChatModel chat = context.getBean(org.springframework.ai.chat.model.ChatModel.class);
      assertThat(chat.call("Hi")).isEqualTo("from the application's model");
    });
  }

  @Test
  void callsAreObservedInTheContextsRegistry() {
    runner.withUserConfiguration(OwnModel.class, Observations.class).run(context -> {
      context.getBean(org.springframework.ai.chat.model.ChatModel.class).call("Hi");
      assertThat(context.getBean(TestObservationRegistry.class))
          .hasObservationWithNameEqualTo("gen_ai.client.operation");
    });
  }

  @Test
  void theModelsMetersAreBoundAndItsHealthIndicatorCanBeTurnedOff() {
    runner.withPropertyValues(tiny, "parley.model.context-size=512", "parley.model.threads=1",
        "management.health.parley.enabled=false").run(context -> {
          assertThat(context).doesNotHaveBean(ParleyHealthIndicator.class);
          SimpleMeterRegistry registry = new SimpleMeterRegistry();
          context.getBean("parleyModelMetrics", MeterBinder.class).bindTo(registry);
          assertThat(registry.get("parley.model.slots").gauge().value()).isEqualTo(4.0);
        });
  }

  @Test
  void aBadSettingFailsTheContextNamingIt() {
    runner.withPropertyValues(tiny, "parley.model.slots=0").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("slots");
    });
  }

  @Test
  void theTurnPrimingDelayReachesTheModel() {
    runner.withPropertyValues(tiny, "parley.model.turn-priming-delay=-1ms").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("turnPrimingDelay");
    });
  }

  @Test
  void theSlidingWindowCacheChoiceIsBoundAndTheModelLoadsWithIt() {
    runner.withPropertyValues(tiny, "parley.model.full-sliding-window-cache=false").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(ParleyProperties.class).getFullSlidingWindowCache()).isFalse();
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnModel {
    @Bean
    dev.parley.chat.ChatModel ownModel() {
      return FakeChatModel.thatAlwaysResponds("from the application's model");
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Observations {
    @Bean
    TestObservationRegistry observationRegistry() {
      return TestObservationRegistry.create();
    }
  }
}
