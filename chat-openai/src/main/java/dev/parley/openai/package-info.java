/**
 * OpenAI's chat-completions wire format, without a web framework: {@link
 * dev.parley.openai.ChatCompletions} reads a request body into Parley's values and writes responses,
 * stream chunks and error bodies, so any HTTP stack (Javalin, Spring, Helidon, a servlet, the JDK's
 * own server) can serve OpenAI's client libraries.
 */
@NullMarked
package dev.parley.openai;

import org.jspecify.annotations.NullMarked;
