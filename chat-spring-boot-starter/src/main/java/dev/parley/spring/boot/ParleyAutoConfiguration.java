package dev.parley.spring.boot;

import dev.parley.llama.DownloadProgress;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.ModelDownloader;
import dev.parley.llama.ModelPool;
import dev.parley.llama.ModelSource;
import dev.parley.springai.ParleySpringChatModel;
import io.micrometer.observation.ObservationRegistry;
import java.nio.file.Path;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * A {@link ModelPool} from {@code parley.model.*} (when {@code file} or {@code url} is set and the
 * application defines no Parley {@code ChatModel} of its own), closed with the context, and a Spring
 * AI {@link org.springframework.ai.chat.model.ChatModel} over whichever Parley model there is
 * (unless the application defines one), observed through the context's {@link ObservationRegistry}.
 */
@AutoConfiguration
@ConditionalOnClass({ModelPool.class, ParleySpringChatModel.class})
@EnableConfigurationProperties(ParleyProperties.class)
public class ParleyAutoConfiguration {
  /** Created by Spring Boot. */
  public ParleyAutoConfiguration() {}

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(dev.parley.chat.ChatModel.class)
  @Conditional(ModelConfigured.class)
  @SuppressWarnings("exports") // the condition is Spring's to instantiate (the package is open to it), not API
  public ModelPool parleyModelPool(ParleyProperties properties) {
    return pool(properties);
  }

  @Bean
  @ConditionalOnBean(dev.parley.chat.ChatModel.class)
  @ConditionalOnMissingBean(org.springframework.ai.chat.model.ChatModel.class)
  public ParleySpringChatModel parleySpringChatModel(dev.parley.chat.ChatModel model,
      ObjectProvider<ObservationRegistry> observations, ObjectProvider<ChatModelObservationConvention> convention) {
    ParleySpringChatModel.Builder b = ParleySpringChatModel.builder(model);
    observations.ifAvailable(b::observationRegistry);
    convention.ifAvailable(b::observationConvention);
    return b.build();
  }

  static ModelPool pool(ParleyProperties p) {
    LlamaChatModel.Builder model = LlamaChatModel.builder(modelFile(p));
    if (p.getId() != null) {
      model.id(p.getId());
    }
    if (p.getThreads() != null) {
      model.threads(p.getThreads());
    }
    if (p.getContextSize() != null) {
      model.contextSize(p.getContextSize());
    }
    if (p.getGpuLayers() != null) {
      model.gpuLayers(p.getGpuLayers());
    }
    if (p.getStateCacheSize() != null) {
      model.stateCacheBytes(p.getStateCacheSize().toBytes());
    }
    if (p.getStateSpillFolder() != null) {
      model.stateSpillFolder(p.getStateSpillFolder());
    }
    if (p.getStateSpillSize() != null) {
      model.stateSpillBytes(p.getStateSpillSize().toBytes());
    }
    if (p.getCpuVariant() != null) {
      model.cpuVariant(p.getCpuVariant());
    }
    if (p.getNativeLibraries() != null) {
      model.nativeLibraries(p.getNativeLibraries());
    }
    if (p.getTurnPrimingDelay() != null) {
      model.turnPrimingDelay(p.getTurnPrimingDelay());
    }
    if (p.getFullSlidingWindowCache() != null) {
      model.fullSlidingWindowCache(p.getFullSlidingWindowCache());
    }
    return ModelPool.builder(model).slots(p.getSlots()).replicas(p.getReplicas()).maxQueue(p.getMaxQueue())
        .maxWait(p.getMaxWait()).build();
  }

  private static Path modelFile(ParleyProperties p) {
    if (p.getFile() != null) {
      return p.getFile();
    }
    ModelDownloader.Builder downloader = ModelDownloader.builder();
    if (p.getCacheFolder() != null) {
      downloader.cacheDir(p.getCacheFolder());
    }
    return downloader.build().fetch(ModelSource.url(p.getUrl(), p.getSha256()), DownloadProgress.none());
  }

  /** The condition of {@link #parleyModelPool}: a model file or address is set. */
  static final class ModelConfigured extends AnyNestedCondition {
    ModelConfigured() {
      super(ConfigurationPhase.REGISTER_BEAN);
    }

    @ConditionalOnProperty("parley.model.file")
    static final class File {}

    @ConditionalOnProperty("parley.model.url")
    static final class Url {}
  }
}
