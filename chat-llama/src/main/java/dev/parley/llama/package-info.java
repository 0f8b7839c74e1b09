/**
 * llama.cpp models for Parley: {@link dev.parley.llama.LlamaChatModel}, a {@code ChatModel} and
 * {@code Tokenizer} over a GGUF file.
 */
@NullMarked
package dev.parley.llama;

import org.jspecify.annotations.NullMarked;
