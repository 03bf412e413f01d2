package io.lengthguard.benchmarks.chart;

import io.lengthguard.benchmarks.chart.Target.Kind;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Draws a run as horizontal bars: one section per benchmark class (and per allocation target), one
 * group of bars per set of parameters, each bar a variant's value relative to the baseline.
 */
final class Chart {
  private static final int WIDTH = 1200;
  private static final int MARGIN = 24;
  private static final int LABEL_RIGHT = 340;
  private static final int BAR_LEFT = 350;
  private static final int BAR_WIDTH = 560;
  private static final int ROW = 20;
  private static final int BAR = 14;
  private static final int HEADER = 64;
  private static final int LEGEND = 30;
  private static final int SECTION_TITLE = 30;
  private static final int GROUP_LABEL = 18;
  private static final int GROUP_GAP = 6;
  private static final int AXIS = 30;

  /** Where the sections begin, below the title and the legend. */
  static final int BODY_TOP = HEADER + LEGEND;

  private static final Color BASELINE = new Color(150, 150, 150);
  private static final Color MET = new Color(46, 139, 87);
  private static final Color MISSED = new Color(205, 55, 55);
  private static final Color NO_TARGET = new Color(70, 110, 180);
  private static final Color LIMIT = new Color(60, 60, 60);
  private static final Color GRID = new Color(225, 225, 225);

  private Chart() {}

  /** A variant's bar: its value in the section's terms and, if it has a target, the limit. */
  private record Bar(String label, double value, String text, Color color, double limit) {}

  private record Group(String label, List<Bar> bars) {}

  private record Section(String title, List<Group> groups, boolean ratios) {
    double scale() {
      double max = ratios ? 1 : 0;
      for (Group group : groups) {
        for (Bar bar : group.bars) {
          if (Double.isFinite(bar.value)) max = Math.max(max, bar.value);
          if (Double.isFinite(bar.limit)) max = Math.max(max, bar.limit);
        }
      }
      return max == 0 ? 1 : max * 1.08;
    }

    int height() {
      int height = SECTION_TITLE + AXIS;
      for (Group group : groups) height += GROUP_LABEL + group.bars.size() * ROW + GROUP_GAP;
      return height;
    }
  }

  /** Returns the chart of {@code run}. */
  static BufferedImage draw(Run run) {
    List<Section> sections = sections(run);
    int height = BODY_TOP + MARGIN;
    for (Section section : sections) height += section.height();
    if (sections.isEmpty()) height += ROW;

    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, height);

      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
      g.drawString(
          "LengthGuard benchmarks: each subject against its baseline, same run", MARGIN, 28);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.drawString("JDK " + run.jdk(), MARGIN, 46);
      g.drawString(run.settings(), MARGIN, 61);
      legend(g, HEADER + 16);

      int y = BODY_TOP;
      if (sections.isEmpty()) {
        g.drawString("No benchmark with a known baseline in these results.", MARGIN, y + 14);
      }
      for (Section section : sections) {
        paint(g, section, y);
        y += section.height();
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  private static void legend(Graphics2D g, int y) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int x = MARGIN;
    Object[][] keys = {
      {BASELINE, "baseline (1.00x)"},
      {MET, "meets its target"},
      {MISSED, "misses its target"},
      {NO_TARGET, "no target (for comparison)"}
    };
    FontMetrics metrics = g.getFontMetrics();
    for (Object[] key : keys) {
      g.setColor((Color) key[0]);
      g.fillRect(x, y - 10, 12, 12);
      g.setColor(Color.BLACK);
      g.drawString((String) key[1], x + 18, y);
      x += 18 + metrics.stringWidth((String) key[1]) + 24;
    }
    dashed(g, x + 6, y - 12, y + 2);
    g.setColor(Color.BLACK);
    g.drawString("target limit", x + 14, y);
  }

  private static void paint(Graphics2D g, Section section, int top) {
    double scale = section.scale();
    int y = top;
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(section.title, MARGIN, y + 20);
    y += SECTION_TITLE;
    int barsTop = y;
    int barsBottom = top + section.height() - AXIS;

    double step = step(scale);
    g.setColor(GRID);
    for (double tick = 0; tick <= scale; tick += step) {
      int x = BAR_LEFT + (int) Math.round(tick / scale * BAR_WIDTH);
      g.drawLine(x, barsTop, x, barsBottom);
    }
    if (section.ratios) {
      g.setColor(BASELINE);
      int x = BAR_LEFT + (int) Math.round(1 / scale * BAR_WIDTH);
      g.drawLine(x, barsTop, x, barsBottom);
    }

    for (Group group : section.groups) {
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
      g.drawString(group.label, MARGIN + 8, y + 13);
      y += GROUP_LABEL;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      FontMetrics metrics = g.getFontMetrics();
      for (Bar bar : group.bars) {
        int baseline = y + ROW / 2 + 4;
        g.setColor(Color.BLACK);
        g.drawString(bar.label, LABEL_RIGHT - metrics.stringWidth(bar.label), baseline);
        int width = 0;
        if (Double.isFinite(bar.value)) {
          // A cached value is a millionth of its baseline: still drawn, one pixel wide.
          width = Math.max(1, (int) Math.round(bar.value / scale * BAR_WIDTH));
          g.setColor(bar.color);
          g.fillRect(BAR_LEFT, y + (ROW - BAR) / 2, width, BAR);
        }
        int textLeft = BAR_LEFT + width + 6;
        if (Double.isFinite(bar.limit)) {
          int x = BAR_LEFT + (int) Math.round(bar.limit / scale * BAR_WIDTH);
          dashed(g, x, y, y + ROW);
          textLeft = Math.max(textLeft, x + 6);
        }
        g.setColor(Color.BLACK);
        g.drawString(bar.text, textLeft, baseline);
        y += ROW;
      }
      y += GROUP_GAP;
    }

    g.setColor(Color.BLACK);
    g.drawLine(BAR_LEFT, barsBottom, BAR_LEFT + BAR_WIDTH, barsBottom);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    FontMetrics metrics = g.getFontMetrics();
    for (double tick = 0; tick <= scale; tick += step) {
      int x = BAR_LEFT + (int) Math.round(tick / scale * BAR_WIDTH);
      g.drawLine(x, barsBottom, x, barsBottom + 4);
      String label = tickLabel(tick, step) + (section.ratios ? "x" : "");
      g.drawString(label, x - metrics.stringWidth(label) / 2, barsBottom + 16);
    }
  }

  private static void dashed(Graphics2D g, int x, int y1, int y2) {
    Stroke stroke = g.getStroke();
    g.setColor(LIMIT);
    g.setStroke(
        new BasicStroke(
            2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {4, 3}, 0));
    g.drawLine(x, y1, x, y2);
    g.setStroke(stroke);
  }

  /** Returns a round step giving about five ticks up to {@code scale}. */
  static double step(double scale) {
    double raw = scale / 5;
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double nice : new double[] {1, 2, 2.5, 5, 10}) {
      if (nice * power >= raw) return nice * power;
    }
    return 10 * power;
  }

  private static String tickLabel(double tick, double step) {
    if (step >= 1) return String.format(Locale.ROOT, "%,.0f", tick);
    int decimals = (int) Math.ceil(-Math.log10(step) - 1e-9) + (step * 4 % 1 == 0 ? 1 : 0);
    return String.format(Locale.ROOT, "%." + Math.max(decimals, 1) + "f", tick);
  }

  /** Returns the titles of the chart's sections, in order. */
  static List<String> titles(Run run) {
    List<String> titles = new ArrayList<>();
    for (Section section : sections(run)) titles.add(section.title);
    return titles;
  }

  private static List<Section> sections(Run run) {
    List<Evaluation> evaluations = run.evaluate();
    Map<String, List<Result>> groups = run.groups();
    Set<String> classes = new LinkedHashSet<>();
    for (Result result : run.results()) classes.add(result.className());

    List<Section> sections = new ArrayList<>();
    for (String benchmark : classes) {
      List<String> baselines = Targets.baselinesOf(benchmark);
      if (baselines.isEmpty()) continue;
      List<List<Result>> own = new ArrayList<>();
      for (List<Result> group : groups.values()) {
        if (group.get(0).className().equals(benchmark)) own.add(group);
      }
      boolean throughput = own.get(0).get(0).higherIsBetter();
      // One section per baseline a time target names (the main baseline always), so that each
      // subject is drawn against the baseline of its own target.
      for (String baseline : baselines) {
        if (!baseline.equals(baselines.get(0)) && !hasTimeTarget(benchmark, baseline)) continue;
        sections.add(
            new Section(
                benchmark
                    + ": "
                    + (throughput ? "throughput" : "time per operation")
                    + " ÷ "
                    + baseline
                    + (throughput ? " (higher is better)" : " (lower is better)"),
                timeGroups(run, own, baseline, evaluations),
                true));
      }
      Set<List<Object>> allocationKinds = new LinkedHashSet<>();
      for (Target target : Targets.ALL) {
        if (target.benchmark().equals(benchmark) && target.kind().isAllocation()) {
          allocationKinds.add(List.of(target.kind(), target.baseline()));
        }
      }
      for (List<Object> key : allocationKinds) {
        Kind kind = (Kind) key.get(0);
        String baseline = (String) key.get(1);
        List<Group> allocation = allocationGroups(run, own, baseline, kind, evaluations);
        if (allocation.isEmpty()) continue; // run without -prof gc
        String title;
        if (kind == Kind.ALLOC_PER_PAYLOAD_AT_MOST) {
          title = ": bytes allocated per operation ÷ payload size (lower is better)";
        } else if (kind == Kind.ALLOC_RATIO_AT_MOST) {
          title = ": bytes allocated per operation ÷ " + baseline + "'s (lower is better)";
        } else {
          title = ": bytes allocated per operation (lower is better)";
        }
        sections.add(
            new Section(benchmark + title, allocation, kind != Kind.EXTRA_ALLOC_BYTES_AT_MOST));
      }
    }
    return sections;
  }

  private static boolean hasTimeTarget(String benchmark, String baseline) {
    for (Target target : Targets.ALL) {
      if (target.benchmark().equals(benchmark)
          && target.baseline().equals(baseline)
          && !target.kind().isAllocation()) {
        return true;
      }
    }
    return false;
  }

  private static List<Group> timeGroups(
      Run run, List<List<Result>> own, String baselineVariant, List<Evaluation> evaluations) {
    List<Group> result = new ArrayList<>();
    for (List<Result> members : own) {
      Result baseline = run.find(members.get(0).group(), baselineVariant);
      List<Bar> bars = new ArrayList<>();
      for (Result member : members) {
        double value = baseline == null ? Double.NaN : member.score() / baseline.score();
        Color color = member == baseline ? BASELINE : NO_TARGET;
        double limit = Double.NaN;
        String extra = "";
        for (Evaluation evaluation : evaluations) {
          if (evaluation.subject() != member
              || evaluation.target().kind().isAllocation()
              || !evaluation.target().baseline().equals(baselineVariant)) {
            continue;
          }
          color = evaluation.met() ? MET : MISSED;
          if (evaluation.target().kind() == Kind.EXTRA_NANOS_AT_MOST) {
            extra = "  (" + evaluation.target().show(evaluation.value()) + ")";
          } else {
            limit = evaluation.target().limit();
          }
        }
        String text =
            Result.ratio(value)
                + "   "
                + Result.format(member.score())
                + " "
                + member.unit()
                + extra;
        bars.add(new Bar(member.variant(), value, text, color, limit));
      }
      result.add(new Group(members.get(0).label(), bars));
    }
    return result;
  }

  private static List<Group> allocationGroups(
      Run run,
      List<List<Result>> own,
      String baselineVariant,
      Kind kind,
      List<Evaluation> evaluations) {
    List<Group> result = new ArrayList<>();
    boolean measured = false;
    for (List<Result> members : own) {
      Result baseline = run.find(members.get(0).group(), baselineVariant);
      List<Bar> bars = new ArrayList<>();
      for (Result member : members) {
        double alloc = member.allocBytesPerOp();
        measured |= !Double.isNaN(alloc);
        boolean perPayload = kind == Kind.ALLOC_PER_PAYLOAD_AT_MOST;
        boolean perBaseline = kind == Kind.ALLOC_RATIO_AT_MOST;
        double value;
        if (perPayload) {
          value = alloc / member.payloadBytes();
        } else if (perBaseline) {
          value = baseline == null ? Double.NaN : alloc / baseline.allocBytesPerOp();
        } else {
          value = alloc;
        }
        Color color = member == baseline ? BASELINE : NO_TARGET;
        double limit = Double.NaN;
        for (Evaluation evaluation : evaluations) {
          if (evaluation.subject() == member
              && evaluation.target().kind() == kind
              && evaluation.target().baseline().equals(baselineVariant)) {
            color = evaluation.met() ? MET : MISSED;
            if (perPayload || perBaseline) limit = evaluation.target().limit();
          }
        }
        String text =
            (perPayload || perBaseline ? Result.ratio(value) + "   " : "")
                + Result.format(alloc)
                + " B/op";
        bars.add(new Bar(member.variant(), value, text, color, limit));
      }
      result.add(new Group(members.get(0).label(), bars));
    }
    return measured ? result : List.of();
  }
}
