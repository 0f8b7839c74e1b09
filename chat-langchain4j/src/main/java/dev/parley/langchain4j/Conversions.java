package dev.parley.langchain4j;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.output.TokenUsage;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationCancelledException;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.GenerationTimeoutException;
import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.ParleyException;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolChoice;
import dev.parley.chat.ToolSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * LangChain4j's requests, responses and errors to Parley's and back, in one place, for {@link
 * ParleyChatModel} and {@link ParleyStreamingChatModel}.
 */
final class Conversions {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Conversions() {}

  /** LangChain4j's request (its parameters already merged with the model's defaults) as Parley's. */
  static ChatRequest request(dev.langchain4j.model.chat.request.ChatRequest request, boolean strictJsonSchema, String modelId) {
    checkModelName(request.parameters(), modelId);
    List<Message> messages = new ArrayList<>();
    for (ChatMessage m : request.messages()) {
      messages.add(message(m));
    }
    return new ChatRequest(messages, options(request.parameters(), strictJsonSchema));
  }

  /** A Parley model is one model: parameters may name it, but not another. */
  static void checkModelName(@Nullable ChatRequestParameters p, String modelId) {
    if (p != null && p.modelName() != null && !p.modelName().equals(modelId)) {
      throw new UnsupportedFeatureException("modelName '" + p.modelName() + "' is not supported: this Parley model is '"
          + modelId + "', and it serves no other");
    }
  }

  /** Parley's message as LangChain4j's. */
  static ChatMessage chatMessage(Message m) {
    return switch (m.role()) {
      case SYSTEM -> SystemMessage.from(m.content());
      case USER -> UserMessage.from(m.content());
      case TOOL -> ToolExecutionResultMessage.from(m.toolCallId(), toolName(m), m.content());
      case ASSISTANT -> {
        AiMessage.Builder b = AiMessage.builder().text(m.content().isEmpty() && m.hasToolCalls() ? null : m.content());
        if (m.hasToolCalls()) {
          b.toolExecutionRequests(m.toolCalls().stream().map(Conversions::toolExecutionRequest).toList());
        }
        if (m.reasoning() != null) {
          b.thinking(m.reasoning());
        }
        yield b.build();
      }
    };
  }

  /** The tool a stored result answers, kept in its metadata (Parley's messages name only the call). */
  private static String toolName(Message m) {
    return m.metadata().getOrDefault(TOOL_NAME, "");
  }

  /** The metadata key under which a tool result keeps its tool's name. */
  static final String TOOL_NAME = "langchain4j.toolName";

  static Message message(ChatMessage m) {
    if (m instanceof SystemMessage s) {
      return Message.system(s.text());
    }
    if (m instanceof UserMessage u) {
      if (!u.hasSingleText()) {
        String kinds = u.contents().stream().map(c -> c.type().name().toLowerCase(java.util.Locale.ROOT))
            .distinct().collect(java.util.stream.Collectors.joining(", "));
        throw new UnsupportedFeatureException("content other than one text (here: " + kinds + ") is not supported: "
            + "Parley models read text only, so image, audio, video and PDF contents cannot be sent");
      }
      return Message.user(u.singleText());
    }
    if (m instanceof AiMessage a) {
      Message out = Message.assistant(a.text() == null ? "" : a.text());
      if (a.hasToolExecutionRequests()) {
        List<ToolCall> calls = new ArrayList<>();
        for (ToolExecutionRequest r : a.toolExecutionRequests()) {
          calls.add(new ToolCall(r.id() == null || r.id().isBlank() ? r.name() : r.id(), r.name(),
              r.arguments() == null || r.arguments().isBlank() ? "{}" : r.arguments()));
        }
        out = out.withToolCalls(calls);
      }
      if (a.thinking() != null && !a.thinking().isEmpty()) {
        out = out.withReasoning(a.thinking());
      }
      return out;
    }
    if (m instanceof ToolExecutionResultMessage t) {
      Message result = Message.toolResult(t.id() == null || t.id().isBlank() ? t.toolName() : t.id(), t.text());
      return t.toolName() == null ? result : result.withMetadata(TOOL_NAME, t.toolName());
    }
    throw new UnsupportedFeatureException("Parley models take system, user, AI and tool-result messages, not "
        + m.type());
  }

  private static GenerationOptions options(ChatRequestParameters p, boolean strictJsonSchema) {
    GenerationOptions.Builder b = GenerationOptions.builder();
    if (p == null) {
      return b.build();
    }
    ifSet(p.temperature(), b::temperature);
    ifSet(p.topP(), b::topP);
    ifSet(p.topK(), b::topK);
    ifSet(p.frequencyPenalty(), b::frequencyPenalty);
    ifSet(p.presencePenalty(), b::presencePenalty);
    ifSet(p.maxOutputTokens(), b::maxTokens);
    if (p.stopSequences() != null && !p.stopSequences().isEmpty()) {
      b.stopSequences(p.stopSequences());
    }
    if (p instanceof ParleyChatRequestParameters parley) {
      ifSet(parley.seed(), b::seed);
      ifSet(parley.minP(), b::minP);
      ifSet(parley.repeatPenalty(), b::repeatPenalty);
      ifSet(parley.thinking(), b::thinking);
      ifSet(parley.parallelToolCalls(), b::parallelToolCalls);
    }
    if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
      List<ToolSpecification> tools = new ArrayList<>();
      for (dev.langchain4j.agent.tool.ToolSpecification t : p.toolSpecifications()) {
        String schema = t.parameters() == null ? ToolSpecification.NO_PARAMETERS : json(JsonSchemaElementUtils.toMap(t.parameters()));
        tools.add(new ToolSpecification(t.name(), t.description() == null ? "" : t.description(), schema));
      }
      b.tools(tools);
      if (p.toolChoice() != null) {
        b.toolChoice(switch (p.toolChoice()) {
          case AUTO -> ToolChoice.AUTO;
          case REQUIRED -> ToolChoice.REQUIRED;
          case NONE -> ToolChoice.NONE;
        });
      }
    }
    dev.langchain4j.model.chat.request.ResponseFormat format = p.responseFormat();
    if (format != null && format.type() == ResponseFormatType.JSON) {
      JsonSchema schema = format.jsonSchema();
      b.responseFormat(schema == null || schema.rootElement() == null ? ResponseFormat.JSON_OBJECT
          : ResponseFormat.jsonSchema(schema.name() == null || schema.name().isBlank() ? "response" : schema.name(),
              json(JsonSchemaElementUtils.toMap(schema.rootElement())), strictJsonSchema));
    }
    return b.build();
  }

  private static <T> void ifSet(@Nullable T value, java.util.function.Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UnsupportedFeatureException("a JSON Schema could not be written as JSON: " + e.getOriginalMessage());
    }
  }

  /** Parley's reply as LangChain4j's, naming {@code modelName}. */
  static dev.langchain4j.model.chat.response.ChatResponse response(ChatResponse r, String modelName) {
    List<ToolExecutionRequest> requests = new ArrayList<>();
    for (ToolCall c : r.toolCalls()) {
      requests.add(toolExecutionRequest(c));
    }
    AiMessage.Builder message = AiMessage.builder().text(r.text().isEmpty() && !requests.isEmpty() ? null : r.text());
    if (!requests.isEmpty()) {
      message.toolExecutionRequests(requests);
    }
    if (r.reasoning() != null) {
      message.thinking(r.reasoning());
    }
    return dev.langchain4j.model.chat.response.ChatResponse.builder()
        .aiMessage(message.build())
        .metadata(ChatResponseMetadata.builder()
            .id("parley-" + UUID.randomUUID())
            .modelName(modelName)
            .tokenUsage(new TokenUsage(r.usage().promptTokens(), r.usage().completionTokens()))
            .finishReason(finishReason(r.finishReason()))
            .build())
        .build();
  }

  static ToolExecutionRequest toolExecutionRequest(ToolCall c) {
    return ToolExecutionRequest.builder().id(c.id()).name(c.name()).arguments(c.arguments()).build();
  }

  static dev.langchain4j.model.output.FinishReason finishReason(FinishReason reason) {
    return switch (reason) {
      case STOP, STOP_SEQUENCE -> dev.langchain4j.model.output.FinishReason.STOP;
      case LENGTH -> dev.langchain4j.model.output.FinishReason.LENGTH;
      case TOOL_CALLS -> dev.langchain4j.model.output.FinishReason.TOOL_EXECUTION;
      case CANCELLED -> dev.langchain4j.model.output.FinishReason.OTHER;
    };
  }

  /** Parley's exception as the LangChain4j one its retry logic reads, the cause kept. */
  static RuntimeException error(Throwable t) {
    if (t instanceof LangChain4jException l) {
      return l;
    }
    if (t instanceof InvalidRequestException) {
      return new dev.langchain4j.exception.InvalidRequestException(t.getMessage(), t);
    }
    if (t instanceof GenerationTimeoutException) {
      return new dev.langchain4j.exception.TimeoutException(t.getMessage(), t);
    }
    if (t instanceof GenerationCancelledException) {
      return new dev.langchain4j.exception.NonRetriableException(t.getMessage(), t);
    }
    if (t instanceof ParleyException p) {
      return p.isRetriable() ? new dev.langchain4j.exception.RetriableException(p.getMessage(), p)
          : new dev.langchain4j.exception.NonRetriableException(p.getMessage(), p);
    }
    return t instanceof RuntimeException r ? r : new dev.langchain4j.exception.LangChain4jException(t.getMessage(), t);
  }
}
