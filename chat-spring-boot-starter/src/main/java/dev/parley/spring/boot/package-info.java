/**
 * Spring Boot auto-configuration for Parley: a {@code ModelPool} and a Spring AI {@code ChatModel}
 * from {@code parley.model.*}, a health indicator and meters.
 */
@NullMarked
package dev.parley.spring.boot;

import org.jspecify.annotations.NullMarked;
