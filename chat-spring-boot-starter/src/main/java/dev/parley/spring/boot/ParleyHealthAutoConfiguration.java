package dev.parley.spring.boot;

import dev.parley.llama.ModelPool;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/** The model's health indicator ({@code parley} in {@code /actuator/health}); off with {@code management.health.parley.enabled=false}. */
@AutoConfiguration(after = ParleyAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ModelPool.class})
@ConditionalOnBean(ModelPool.class)
@ConditionalOnEnabledHealthIndicator("parley")
public class ParleyHealthAutoConfiguration {
  /** Created by Spring Boot. */
  public ParleyHealthAutoConfiguration() {}


  @Bean
  @ConditionalOnMissingBean(name = "parleyHealthIndicator")
  public ParleyHealthIndicator parleyHealthIndicator(ModelPool pool) {
    return new ParleyHealthIndicator(pool);
  }
}
