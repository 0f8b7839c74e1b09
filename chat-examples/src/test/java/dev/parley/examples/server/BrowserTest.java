package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}; no
 * browser download): sign in by link, type at once (the first message makes the chat), watch the reply stream in
 * rendered as markdown, and make sure nothing in it runs as script. Saves a screenshot to {@code
 * target/screenshots/chat-page.png}. Under {@code CI=true} a missing browser is a failure.
 */
class BrowserTest {
  /** Holds each reply's tokens until the test has seen it streaming. */
  private static final dev.parley.testing.TokenGate GATE = dev.parley.testing.TokenGate.closed();
  private static ServerHarness h;
  private static ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    File chromium = new File(System.getenv().getOrDefault("PARLEY_CHROMIUM", "/usr/bin/chromium"));
    File driver = new File(System.getenv().getOrDefault("PARLEY_CHROMEDRIVER", "/usr/bin/chromedriver"));
    if (!chromium.canExecute() || !driver.canExecute()) {
      String message = "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)";
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    h = ServerHarness.start(ModelRuntime.of(ModelRuntime.fakeModel().gate(GATE).build(), 4));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1200,800");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (h != null) {
      h.close();
    }
  }

  @Test
  void chatsInTheBrowserWithStreamedSafeMarkdown() throws Exception {
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.pollingEvery(Duration.ofMillis(50));
    browser.get(h.base + "/#key=" + ServerHarness.ALICE);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("app")));
    assertTrue(browser.findElement(By.id("fake-banner")).isDisplayed(), "the fake-model banner shows");
    assertFalse(browser.findElement(By.id("login")).isDisplayed(), "signed in: no key form");
    assertFalse(browser.getCurrentUrl().contains(ServerHarness.ALICE), "the key leaves the address bar");
    assertEquals("alice", browser.findElement(By.id("user")).getText());

    // A newcomer types at once: no "New chat" click; the first message makes the chat.
    wait.until(ExpectedConditions.elementToBeClickable(By.id("input")));
    String attack = "Hello **world** <img src=x onerror=\"window.pwned=1\"> [click](javascript:window.pwned=2)";
    WebElement input = browser.findElement(By.id("input"));
    input.sendKeys(attack);
    browser.findElement(By.id("send")).click();

    // Streaming: the reply is seen growing before it is done (the gate lets two tokens through).
    GATE.release(2);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#messages li.assistant.streaming")));
    GATE.open();
    WebElement reply = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#messages li.assistant.done")));
    assertEquals("Fake model.", reply.findElement(By.tagName("strong")).getText(), "markdown rendered");
    assertTrue(reply.findElement(By.tagName("blockquote")).getText().contains("Hello world"));
    assertEquals(List.of(), browser.findElements(By.cssSelector("#messages img")), "no image element from the text");
    for (WebElement link : browser.findElements(By.cssSelector("#messages a"))) {
      assertFalse(String.valueOf(link.getDomAttribute("href")).startsWith("javascript:"), "no script link");
    }
    assertEquals(null, ((JavascriptExecutor) browser).executeScript("return window.pwned === undefined ? null : window.pwned"));
    WebElement mine = browser.findElement(By.cssSelector("#messages li.user"));
    assertEquals(attack, mine.getText(), "the user's own text is shown as text");
    assertTrue(browser.findElement(By.id("rate-limit")).getText().contains("messages left"));
    assertEquals(1, h.server.service().conversations("alice", 0, 10).size(), "the first message made one chat");
    assertEquals(attack.substring(0, 60), browser.findElement(By.cssSelector("#conversations li.active button.open")).getText(),
        "named after its first words");

    Path screenshots = Path.of("target", "screenshots");
    Files.createDirectories(screenshots);
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Path saved = Files.copy(shot.toPath(), screenshots.resolve("chat-page.png"), StandardCopyOption.REPLACE_EXISTING);
    assertTrue(Files.size(saved) > 10_000, "a real screenshot: " + Files.size(saved) + " bytes");

    // A dropped connection comes back by itself.
    String id = h.server.service().conversations("alice", 0, 1).get(0).id();
    ServerHarness.Socket intruder = h.connect("/ws/conversations/" + id, ServerHarness.ALICE); // replaces the page's socket
    wait.until(ExpectedConditions.textToBe(By.id("connection"), "offline"));
    intruder.ws.sendClose(1000, "bye").join();
    browser.navigate().refresh();
    wait.until(ExpectedConditions.textToBe(By.id("connection"), "connected"));
    assertEquals(2, browser.findElements(By.cssSelector("#messages li.user, #messages li.assistant")).size(),
        "the history reloads");
  }

  /** A model's reasoning streams into a fold above its answer, closed, as text; it is there again after a reload. */
  @Test
  void reasoningIsFoldedAwayAboveTheAnswer() throws Exception {
    FakeChatModel thinking = FakeChatModel.builder().id("thinking-fake").script(r -> ScriptedReply.text("**Four.**")
        .withReasoning("Two and two <b>make</b> four.")).build();
    try (ServerHarness server = ServerHarness.start(ModelRuntime.of(thinking, 2))) {
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
      browser.get(server.base + "/#key=" + ServerHarness.ALICE);
      wait.until(ExpectedConditions.elementToBeClickable(By.id("input")));
      browser.findElement(By.id("input")).sendKeys("What is 2 + 2?");
      browser.findElement(By.id("send")).click();
      WebElement reply = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#messages li.assistant.done")));
      WebElement fold = reply.findElement(By.cssSelector("details.reasoning"));
      assertEquals(null, fold.getDomAttribute("open"), "folded away");
      assertEquals("Four.", reply.findElement(By.cssSelector(".body strong")).getText());
      fold.findElement(By.tagName("summary")).click();
      assertEquals("Two and two <b>make</b> four.", fold.findElement(By.cssSelector(".thoughts")).getText(), "shown as text");
      Files.createDirectories(Path.of("target", "screenshots"));
      Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
          Path.of("target", "screenshots", "chat-page-reasoning.png"), StandardCopyOption.REPLACE_EXISTING);
      browser.navigate().refresh();
      WebElement reloaded = wait.until(ExpectedConditions.presenceOfElementLocated(
          By.cssSelector("#messages li.assistant details.reasoning")));
      assertEquals(null, reloaded.getDomAttribute("open"));
    }
  }

  /** A sign-in link opened in a tab that already shows the page: the new key signs in and leaves the address bar. */
  @Test
  void aKeyAddedToTheAddressLaterSignsIn() {
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    browser.get(h.base + "/");
    wait.until(d -> browser.findElement(By.id("app")).isDisplayed() || browser.findElement(By.id("login")).isDisplayed());
    ((JavascriptExecutor) browser).executeScript("location.hash = 'key=" + ServerHarness.BOB + "'");
    wait.until(ExpectedConditions.textToBe(By.id("user"), "bob"));
    assertTrue(browser.findElement(By.id("app")).isDisplayed());
    wait.until(d -> !browser.getCurrentUrl().contains(ServerHarness.BOB));
    assertFalse(browser.getCurrentUrl().contains("key="), "the key leaves the address bar: " + browser.getCurrentUrl());
  }
}
