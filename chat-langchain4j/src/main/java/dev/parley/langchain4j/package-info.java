/**
 * Parley's models in LangChain4j: {@link dev.parley.langchain4j.ParleyChatModel} and {@link
 * dev.parley.langchain4j.ParleyStreamingChatModel} adapt any Parley {@code ChatModel}.
 */
@NullMarked
package dev.parley.langchain4j;

import org.jspecify.annotations.NullMarked;
