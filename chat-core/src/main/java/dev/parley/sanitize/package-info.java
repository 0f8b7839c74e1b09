/**
 * Input cleaning ({@link dev.parley.sanitize.InputSanitizer}) and output escaping ({@link
 * dev.parley.sanitize.HtmlOutput}), kept apart: input is stored as written, escaping happens when
 * rendering.
 */
@NullMarked
package dev.parley.sanitize;

import org.jspecify.annotations.NullMarked;
