package dev.parley.spring.boot;

import dev.parley.llama.ModelPool;
import dev.parley.micrometer.ModelPoolMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The model's meters ({@code parley.model.*}: slots, queue, generations, tokens and the engine's
 * work), bound by Spring Boot to every {@code MeterRegistry} it configures.
 */
@AutoConfiguration(after = ParleyAutoConfiguration.class)
@ConditionalOnClass({MeterBinder.class, ModelPoolMetrics.class})
@ConditionalOnBean(ModelPool.class)
public class ParleyMetricsAutoConfiguration {
  /** Created by Spring Boot. */
  public ParleyMetricsAutoConfiguration() {}


  @Bean
  @ConditionalOnMissingBean(name = "parleyModelMetrics")
  public MeterBinder parleyModelMetrics(ModelPool pool) {
    return ModelPoolMetrics.of(pool);
  }
}
