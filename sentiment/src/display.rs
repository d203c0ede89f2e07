//! Plain-text tables of the reports, for the CLI (`chatterly model train|eval`) and the benches.

use crate::labels::{Emotion, Intensity};
use crate::metrics::Metrics;
use crate::report::{EvalReport, ScaleEval, ScaleReport, TrainingReport};
use std::fmt::{self, Display, Formatter, Write};

const EMOTION_SHORT: [&str; 5] = ["VSad", "Sad", "Neu", "Hap", "VHap"];
const INTENSITY_SHORT: [&str; 5] = ["VMut", "Mut", "Neu", "Exc", "VExc"];

fn metrics_row(f: &mut Formatter<'_>, name: &str, m: &Metrics) -> fmt::Result {
    writeln!(
        f,
        "  {name:<16} {:>8.3} {:>9.3} {:>9.3} {:>7}",
        m.accuracy, m.macro_f1, m.within_one, m.n
    )
}

fn metrics_header(f: &mut Formatter<'_>) -> fmt::Result {
    writeln!(
        f,
        "  {:<16} {:>8} {:>9} {:>9} {:>7}",
        "", "accuracy", "macro-F1", "within-1", "n"
    )
}

/// The confusion matrix as text, rows actual and columns predicted.
pub fn confusion_table(m: &Metrics, labels: [&str; 5], short: [&str; 5]) -> String {
    let mut out = String::new();
    let _ = write!(out, "    {:<14}", "actual \\ pred");
    for s in short {
        let _ = write!(out, "{s:>6}");
    }
    out.push('\n');
    for (label, row) in labels.iter().zip(&m.confusion) {
        let _ = write!(out, "    {label:<14}");
        for n in row {
            let _ = write!(out, "{n:>6}");
        }
        out.push('\n');
    }
    out
}

fn scale_labels(emotion: bool) -> ([&'static str; 5], [&'static str; 5]) {
    if emotion {
        (Emotion::ALL.map(Emotion::label), EMOTION_SHORT)
    } else {
        (Intensity::ALL.map(Intensity::label), INTENSITY_SHORT)
    }
}

fn write_scale_report(
    f: &mut Formatter<'_>,
    title: &str,
    r: &ScaleReport,
    emotion: bool,
) -> fmt::Result {
    writeln!(
        f,
        "{title}: {} train, {} held out; class counts {:?}",
        r.train, r.test, r.class_counts
    )?;
    metrics_header(f)?;
    metrics_row(f, "model", &r.model)?;
    metrics_row(f, "majority class", &r.majority)?;
    metrics_row(f, "lexicon rule", &r.lexicon)?;
    if let Some(chat) = &r.chat_eval {
        metrics_row(f, "model, chat set", chat)?;
    }
    if let Some(chat) = &r.chat_eval_lexicon {
        metrics_row(f, "lexicon, chat", chat)?;
    }
    for b in &r.by_source {
        writeln!(f, "  held-out, {} only:", b.source)?;
        metrics_row(f, "  model", &b.model)?;
        metrics_row(f, "  majority class", &b.majority)?;
        metrics_row(f, "  lexicon rule", &b.lexicon)?;
    }
    if let Some(a) = &r.arousal {
        writeln!(
            f,
            "  Pearson r with human arousal ({} held-out): model as regression {:.3}, lexicon rule {:.3}",
            a.n, a.model_r, a.lexicon_r
        )?;
    }
    if let Some(c) = &r.calibration {
        writeln!(
            f,
            "  calibration: temperature {:.3} (fitted on {} validation examples); held-out ECE {:.4} \
             uncalibrated, {:.4} shipped",
            c.temperature, c.validation, c.ece_uncalibrated, c.ece
        )?;
        writeln!(f, "    confidence       n  mean conf  accuracy")?;
        for b in c.reliability.iter().filter(|b| b.count > 0) {
            writeln!(
                f,
                "    {:.1}-{:.1} {:>9} {:>10.3} {:>9.3}",
                b.low, b.high, b.count, b.confidence, b.accuracy
            )?;
        }
    }
    let (labels, short) = scale_labels(emotion);
    writeln!(f, "  held-out confusion (model):")?;
    f.write_str(&confusion_table(&r.model, labels, short))?;
    if let Some(chat) = &r.chat_eval {
        writeln!(f, "  chat set confusion (model):")?;
        f.write_str(&confusion_table(chat, labels, short))?;
    }
    Ok(())
}

impl Display for TrainingReport {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Model {}: {} examples, {} regression inputs, {} n-grams behind the naive-Bayes scores",
            self.name, self.examples, self.features, self.vocabulary
        )?;
        let t = &self.timings;
        writeln!(
            f,
            "Time: features {} ms, emotion {} ms, intensity {} ms, evaluation {} ms",
            t.features_ms, t.emotion_ms, t.intensity_ms, t.evaluation_ms
        )?;
        write_scale_report(f, "Emotion", &self.emotion, true)?;
        for s in &self.sources {
            writeln!(
                f,
                "Source {}: {} examples ({} emotion, {} intensity labels), fingerprint {}: {}",
                s.name, s.examples, s.emotion_labels, s.intensity_labels, s.fingerprint, s.detail
            )?;
        }
        write_scale_report(f, "Intensity", &self.intensity, false)
    }
}

fn write_scale_eval(
    f: &mut Formatter<'_>,
    title: &str,
    r: &Option<ScaleEval>,
    emotion: bool,
) -> fmt::Result {
    let Some(r) = r else {
        return writeln!(f, "{title}: no labelled examples");
    };
    writeln!(f, "{title}: class counts {:?}", r.class_counts)?;
    metrics_header(f)?;
    metrics_row(f, "model", &r.model)?;
    metrics_row(f, "majority class", &r.majority)?;
    metrics_row(f, "lexicon rule", &r.lexicon)?;
    let (labels, short) = scale_labels(emotion);
    writeln!(f, "  confusion (model):")?;
    f.write_str(&confusion_table(&r.model, labels, short))
}

impl Display for EvalReport {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "Model {} on {} examples", self.name, self.examples)?;
        write_scale_eval(f, "Emotion", &self.emotion, true)?;
        write_scale_eval(f, "Intensity", &self.intensity, false)
    }
}
