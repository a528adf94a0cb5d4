package io.github.bnconsistency.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.bnconsistency.report.HtmlReportSamples.Sample;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The HTML report in a real browser: headless Chromium (Debian's {@code chromium} and {@code chromium-driver}) driven
 * by Selenium, on the story's report, a ResNet50's and one with a hostile layer name, each loaded from a file. Where
 * no browser is installed the tests are skipped, saying why; with {@code -Dbnconsistency.requireBrowser=true} (CI sets
 * it) they fail instead. Screenshots go to {@code target/html-report}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HtmlReportBrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("bnconsistency.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("bnconsistency.chromedriver", "/usr/bin/chromedriver"));
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 1100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChromeDriver driver;
    private Path profile;
    private String skipped;

    @BeforeAll
    void startBrowser() throws IOException {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "No headless browser for the HTML report's browser tests: " + CHROMIUM + " and " + CHROMEDRIVER
                + " must exist (Debian: apt-get install -y chromium chromium-driver; or set -Dbnconsistency.chromium and "
                + "-Dbnconsistency.chromedriver).";
        if (!installed && Boolean.getBoolean("bnconsistency.requireBrowser")) {
            fail(missing + " -Dbnconsistency.requireBrowser=true makes that a failure.");
        }
        if (!installed) {
            // each test is skipped with this message (so the runner counts them as skipped), and it is said once here
            System.out.println("[HtmlReportBrowserTest] SKIPPED: " + missing);
            skipped = missing + " Skipped.";
            return;
        }
        profile = Files.createTempDirectory("bnconsistency-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // No background connection of any kind: this machine (and CI's) has no network but the package registries.
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--window-size=" + WIDTH + "," + HEIGHT,
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        // --window-size is the window's; make the viewport (what a screenshot shows) WIDTH x HEIGHT
        long innerHeight = (Long) js("return window.innerHeight");
        long innerWidth = (Long) js("return window.innerWidth");
        driver.manage()
                .window()
                .setSize(new Dimension(WIDTH + (int) (WIDTH - innerWidth), HEIGHT + (int) (HEIGHT - innerHeight)));
    }

    @BeforeEach
    void browserInstalled() {
        assumeTrue(skipped == null, skipped);
    }

    @AfterAll
    void stopBrowser() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount())
                        .map(Path::toFile)
                        .forEach(File::delete);
            }
        }
    }

    /** Loads the sample's page from its file and waits until it has loaded; the logs so far are dropped. */
    private String load(Sample sample) {
        String url = HtmlReportSamples.page(sample).toUri().toString();
        driver.manage().logs().get(LogType.BROWSER);
        driver.manage().logs().get(LogType.PERFORMANCE);
        driver.get(url);
        new WebDriverWait(driver, Duration.ofSeconds(30))
                .until(d -> "complete".equals(js("return document.readyState")));
        return url;
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    @ParameterizedTest
    @EnumSource(Sample.class)
    void the_page_loads_with_no_console_message_and_makes_no_request_but_for_itself(Sample sample) throws Exception {
        String url = load(sample);

        List<String> console = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
                .map(LogEntry::toString)
                .toList();
        assertThat(console).as("console errors and warnings").isEmpty();
        List<String> requests = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE).getAll()) {
            JsonNode message = JSON.readTree(entry.getMessage()).path("message");
            if (message.path("method").asText().equals("Network.requestWillBeSent")) {
                requests.add(message.path("params").path("request").path("url").asText());
            }
        }
        assertThat(requests).as("requests the page made").containsOnly(url);
        assertThat(js("return performance.getEntriesByType('resource').length")).isEqualTo(0L);
        assertThat(driver.findElement(By.cssSelector("#verdict h1")).isDisplayed())
                .isTrue();
    }

    @ParameterizedTest
    @EnumSource(
            value = Sample.class,
            names = {"STORY", "RESNET50"})
    void the_chart_shows_one_bar_per_layer_left_to_right_in_topological_order_with_the_root_marked(Sample sample) {
        ConsistencyReport report = sample.report();
        load(sample);

        // one script call for all bars: 53 round trips to the driver would take seconds on 2 busy cores
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> bars = (List<Map<String, Object>>) js("return Array.from(document.querySelectorAll("
                + "'#layer-chart g.bar')).map(g => { const r = g.querySelector('rect.b').getBoundingClientRect(); "
                + "return {name: g.getAttribute('data-layer'), x: r.x, height: r.height, shown: r.width > 0}; })");
        assertThat(bars).hasSize(report.layers().size());
        assertThat(bars.stream().map(bar -> (String) bar.get("name")).toList()).isEqualTo(report.layerNames());
        assertThat(bars.stream()
                        .map(bar -> ((Number) bar.get("x")).doubleValue())
                        .toList())
                .isSorted()
                .doesNotHaveDuplicates();
        assertThat(bars).allSatisfy(bar -> assertThat(bar.get("shown")).isEqualTo(true));
        List<WebElement> roots = driver.findElements(By.cssSelector("#layer-chart g.bar.root"));
        assertThat(roots)
                .singleElement()
                .satisfies(root -> assertThat(root.getAttribute("data-layer"))
                        .isEqualTo(report.rootCause().orElseThrow().name()));
        Rectangle rootBar = roots.get(0).findElement(By.cssSelector("rect.b")).getRect();
        WebElement mark = driver.findElement(By.cssSelector("#layer-chart text.rootmark"));
        assertThat(mark.isDisplayed()).isTrue();
        Rectangle markBox = mark.getRect();
        assertThat(markBox.getX() + markBox.getWidth() / 2)
                .isBetween(rootBar.getX() - 2, rootBar.getX() + rootBar.getWidth() + 2);
        assertThat(markBox.getY()).isLessThan(rootBar.getY());
        assertThat(rootBar.getHeight()).isPositive();
        assertThat(driver.findElement(By.cssSelector("#layer-chart text.tol-label"))
                        .getText())
                .isEqualTo("layer tolerance 0.05");
    }

    @ParameterizedTest
    @EnumSource(
            value = Sample.class,
            names = {"STORY", "RESNET50"})
    void the_root_layers_channels_are_shown_and_another_layer_opens_when_picked(Sample sample) {
        ConsistencyReport report = sample.report();
        LayerFinding root = report.rootCause().orElseThrow();
        load(sample);

        WebElement detail = driver.findElement(By.id("layer-" + root.position()));
        assertThat(detail.getAttribute("open")).isNotNull();
        assertThat(detail.findElement(By.cssSelector(".channel-count")).getText())
                .isEqualTo(root.channelCount() + " channels");
        for (WebElement plot : detail.findElements(By.cssSelector("svg.channel-plot"))) {
            assertThat(plot.isDisplayed()).isTrue();
            assertThat(plot.getRect().getWidth()).isGreaterThan(200);
        }
        assertThat(detail.findElements(By.cssSelector("svg.channel-plot"))).hasSize(2);

        // Pick the last layer by its bar in the chart: its channels open (the page's script follows the link).
        LayerFinding last = report.layers().get(report.layers().size() - 1);
        WebElement other = driver.findElement(By.id("layer-" + last.position()));
        assertThat(other.getAttribute("open")).isNull();
        driver.findElement(By.cssSelector("#layer-chart a[href='#layer-" + last.position() + "'] rect.b"))
                .click();
        new WebDriverWait(driver, Duration.ofSeconds(5)).until(d -> other.getAttribute("open") != null);
        assertThat(other.findElement(By.cssSelector(".channel-count")).getText())
                .isEqualTo(last.channelCount() + " channels");
        assertThat(other.findElement(By.cssSelector("svg.variance")).isDisplayed())
                .isTrue();
    }

    @Test
    void a_variance_shift_is_labelled_and_explained() {
        LayerFinding bn = Sample.VARIANCE_SHIFT.report().layers().get(0);
        assertThat(bn.status()).isEqualTo(LayerStatus.VARIANCE_SHIFT);
        load(Sample.VARIANCE_SHIFT);

        assertThat(driver.findElement(By.cssSelector("#verdict h1")).getText()).contains("a variance shift");
        WebElement detail = driver.findElement(By.id("layer-" + bn.position()));
        WebElement label = detail.findElement(By.cssSelector("summary .st"));
        assertThat(label.getText()).isEqualTo("\u21c5 variance shift");
        assertThat(label.getCssValue("background-color")).isEqualTo("rgba(138, 90, 0, 1)");
        WebElement explained = detail.findElement(By.cssSelector("p.variance-shift"));
        assertThat(explained.isDisplayed()).isTrue();
        assertThat(explained.getText())
                .startsWith("Variance shift: drop (DropoutLayer, layer index 1: dropout, retain probability 0.5)");
        assertThat(driver.findElements(By.cssSelector(".legend .sw.s-variance-shift")))
                .singleElement()
                .satisfies(swatch ->
                        assertThat(swatch.getCssValue("background-color")).isEqualTo("rgba(230, 159, 0, 1)"));
    }

    @Test
    void a_hostile_layer_name_stays_text() {
        load(Sample.HOSTILE);

        assertThat(driver.getTitle()).isEqualTo("BatchNorm consistency: root cause " + HtmlReportSamples.HOSTILE_NAME);
        assertThat(js("return document.scripts.length")).isEqualTo(1L);
        assertThat(js("return document.images.length")).isEqualTo(0L);
        assertThat(driver.findElement(By.cssSelector("#verdict h1")).getText())
                .contains("Root cause: " + HtmlReportSamples.HOSTILE_NAME + " (BN layer 1 of 1");
        assertThat(driver.findElement(By.cssSelector("#layer-table tbody a")).getText())
                .isEqualTo(HtmlReportSamples.HOSTILE_NAME);
    }

    @Test
    void the_layer_table_sorts_by_a_column_when_its_heading_is_clicked() {
        load(Sample.RESNET50);

        WebElement heading =
                driver.findElement(By.xpath("//table[@id='layer-table']/thead//th[normalize-space()='D max']"));
        heading.click();
        List<Double> ascending = column(4);
        assertThat(ascending).hasSize(53).isSorted();
        assertThat(heading.getAttribute("aria-sort")).isEqualTo("ascending");
        heading.click();
        List<Double> descending = column(4);
        assertThat(descending).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        driver.findElement(By.xpath("//table[@id='layer-table']/thead//th[normalize-space()='#']"))
                .click();
        assertThat(column(0)).isSorted().first().isEqualTo(1.0);
    }

    private List<Double> column(int index) {
        @SuppressWarnings("unchecked")
        List<String> values = (List<String>) js(
                "return Array.from(document.querySelectorAll('#layer-table tbody tr'))"
                        + ".map(r => r.cells[arguments[0]].getAttribute('data-v'))",
                index);
        return values.stream().map(Double::parseDouble).toList();
    }

    @ParameterizedTest
    @EnumSource(
            value = Sample.class,
            names = {"STORY", "RESNET50"})
    void a_screenshot_of_the_first_screen_and_of_the_whole_page_shows_the_report(Sample sample) throws Exception {
        load(sample);

        byte[] screen = driver.getScreenshotAs(OutputType.BYTES);
        Path screenFile = HtmlReportSamples.DIRECTORY.resolve(sample.fileName() + ".png");
        Files.write(screenFile, screen);
        BufferedImage first = ImageIO.read(new ByteArrayInputStream(screen));
        assertThat(first.getWidth()).isEqualTo(WIDTH);
        assertThat(first.getHeight()).isEqualTo(HEIGHT);
        assertThat(screen.length).as("bytes of the first screen's PNG").isBetween(20_000, 300_000);
        assertThat(colours(first)).as("colours in the first screen").isGreaterThan(30);
        // the verdict banner's pink (#fdecea) in the top rows: the page rendered, styled
        assertThat(rowsWith(first, 0xfdecea, 300))
                .as("rows of the top 300 with the verdict's pink")
                .isGreaterThan(50);

        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
        long height = Math.round(((Number) size.get("height")).doubleValue());
        Map<String, Object> shot = driver.executeCdpCommand(
                "Page.captureScreenshot",
                Map.of(
                        "format",
                        "png",
                        "captureBeyondViewport",
                        true,
                        "clip",
                        Map.of("x", 0, "y", 0, "width", WIDTH, "height", height, "scale", 1)));
        byte[] whole = Base64.getDecoder().decode((String) shot.get("data"));
        Files.write(HtmlReportSamples.DIRECTORY.resolve(sample.fileName() + "-full.png"), whole);
        BufferedImage page = ImageIO.read(new ByteArrayInputStream(whole));
        assertThat(page.getHeight())
                .as("the whole page is taller than a screen")
                .isGreaterThan(first.getHeight());
        assertThat(whole.length).as("bytes of the whole page's PNG").isBetween(50_000, 8_000_000);
        System.out.println("[HtmlReportBrowserTest] screenshots " + screenFile.toAbsolutePath() + " (" + screen.length
                + " bytes) and " + sample.fileName() + "-full.png (" + page.getWidth() + "x" + page.getHeight() + ")");
    }

    /** How many of the top {@code rows} rows hold the colour at their middle third. */
    private static int rowsWith(BufferedImage image, int rgb, int rows) {
        int count = 0;
        for (int y = 0; y < Math.min(rows, image.getHeight()); y++) {
            for (int x = image.getWidth() / 3; x < 2 * image.getWidth() / 3; x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    count++;
                    break;
                }
            }
        }
        return count;
    }

    /** Distinct colours on a 10 px grid. */
    private static int colours(BufferedImage image) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 10) {
            for (int x = 0; x < image.getWidth(); x += 10) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
