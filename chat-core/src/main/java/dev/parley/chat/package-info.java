/**
 * The chat model SPI and its values: {@link dev.parley.chat.ChatModel}, {@link
 * dev.parley.chat.Tokenizer}, {@link dev.parley.chat.Message}, {@link dev.parley.chat.ChatRequest},
 * {@link dev.parley.chat.ChatResponse}, and the exception hierarchy rooted at {@link
 * dev.parley.chat.ParleyException}.
 */
@NullMarked
package dev.parley.chat;

import org.jspecify.annotations.NullMarked;
