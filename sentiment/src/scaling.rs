//! Per-scale column scaling for a fit: the dense and naive-Bayes columns are standardised on the
//! rows the scale is fitted on (not on every training document), so the L2 penalty weighs them
//! evenly, and a column with too little support in those rows (nearly constant there, such as
//! emoticon counts on EmoBank's edited prose) is left out of the fit and gets weight 0. The fitted
//! weights are mapped back onto the unscaled columns, so prediction is unchanged.

use crate::linear::{Linear, LinearFile};
use ndarray::Array2;

/// Fewest rows whose value differs from the column's median for a column to be fitted on.
pub(crate) const MIN_SUPPORT: usize = 20;

/// How the columns from `first` on were scaled for one fit.
pub(crate) struct ColumnScaling {
    first: usize,
    /// (mean, standard deviation) per scaled column; `None` = left out (weight 0).
    columns: Vec<Option<(f64, f64)>>,
}

impl ColumnScaling {
    /// Measures the columns `first..` of `x` and scales them in place (left-out columns become 0).
    pub(crate) fn apply(x: &mut Array2<f64>, first: usize, min_support: usize) -> Self {
        let n = x.nrows().max(1) as f64;
        let mut columns = Vec::with_capacity(x.ncols().saturating_sub(first));
        for j in first..x.ncols() {
            let mut column = x.column_mut(j);
            let mut sorted: Vec<f64> = column.to_vec();
            sorted.sort_by(f64::total_cmp);
            let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
            let support = sorted
                .iter()
                .filter(|&&v| (v - median).abs() > 1e-9)
                .count();
            let mean = column.sum() / n;
            let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
            if support < min_support || var <= 1e-12 {
                column.fill(0.0);
                columns.push(None);
            } else {
                let std = var.sqrt();
                column.mapv_inplace(|v| (v - mean) / std);
                columns.push(Some((mean, std)));
            }
        }
        ColumnScaling { first, columns }
    }

    /// The fitted model expressed on the unscaled columns: w = w' / s, b = b' − Σ w' m / s.
    pub(crate) fn unscale(&self, linear: &Linear, n_features: usize) -> Result<Linear, String> {
        let file = linear.file();
        let k = file.classes.len();
        let mut weights = file.weights.clone();
        let mut intercept = file.intercept.clone();
        for (offset, scaling) in self.columns.iter().enumerate() {
            let j = self.first + offset;
            let w = &mut weights[j * k..j * k + k];
            match scaling {
                None => w.fill(0.0),
                Some((mean, std)) => {
                    for (wc, bc) in w.iter_mut().zip(intercept.iter_mut()) {
                        *wc /= std;
                        *bc -= *wc * mean;
                    }
                }
            }
        }
        let file = LinearFile {
            classes: file.classes.clone(),
            intercept,
            weights,
        };
        Linear::new(file, n_features)
    }
}
