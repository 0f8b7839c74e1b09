package dev.parley.sanitize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class HtmlOutputTest {
  @Test
  void escapesMarkupForRenderingOnly() {
    String stored = InputSanitizer.defaults().sanitize("<script>alert('x')</script> & \"q\"").text();
    assertEquals("<script>alert('x')</script> & \"q\"", stored, "stored as written");
    String html = HtmlOutput.escape(stored);
    assertFalse(html.contains("<script>"), html);
    assertEquals("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;q&#34;", html);
  }

  @Test
  void escapesAttributeValues() {
    assertFalse(HtmlOutput.escapeAttribute("\" onmouseover=\"x").contains("\""));
  }
}
