package dev.parley.langchain4j;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import java.util.List;
import java.util.Set;

/** What {@link ParleyChatModel} and {@link ParleyStreamingChatModel} share, from one builder. */
record Settings(dev.parley.chat.ChatModel model, ChatRequestParameters defaults, List<ChatModelListener> listeners,
    Set<Capability> capabilities, boolean strictJsonSchema) {
  Settings {
    listeners = List.copyOf(listeners);
    capabilities = Set.copyOf(capabilities);
  }
}
