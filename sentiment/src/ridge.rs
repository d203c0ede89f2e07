//! Regress-then-bin for intensity: a ridge regression of the human arousal rating on the regression
//! inputs, turned into an ordinal five-class softmax whose classes win on consecutive intervals of
//! the predicted arousal, so it is stored and predicted like any other scale.

use crate::features::{FeatureSpace, SparseRow};
use crate::linear::{Linear, LinearFile};
use crate::scaling::{ColumnScaling, MIN_SUPPORT};
use crate::train::dense_matrix;
use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_elasticnet::ElasticNet;
use ndarray::{Array1, Array2, Axis, ShapeBuilder};

/// Coordinate-descent sweeps of the ridge fit. This, not a tolerance, is what ends it: at
/// `l1_ratio` 0 linfa-elasticnet's duality gap (built for the lasso's dual point) is the primal
/// objective itself until the residual is exactly optimal, so its `gap < tolerance·|y|²` test never
/// passes on real data and every fit runs all the sweeps. On EmoBank's training rows (8,062 × 335,
/// with the dense cue columns correlated up to 0.99) descent is slow: after 300 sweeps the largest
/// coefficient is still 0.16 from the exact ridge solution (ŷ within 0.06 on the 1–5 scale), 2e-3
/// after 10,000 (9 ms a sweep); EmoBank and chat accuracy, macro-F1 and r moved by at most 0.003
/// between 100 and 3,000 sweeps (intensity ECE 0.011–0.014), and 300 keeps the fit (2–4.2 s)
/// inside the concurrent emotion fit's time.
const RIDGE_SWEEPS: u32 = 300;

/// Ridge coefficients (β, β0) of `y` on the columns of `x`: minimises |y − Xβ − β0|² + λ|β|², with
/// linfa-elasticnet's coordinate descent at `l1_ratio` 0 ([`RIDGE_SWEEPS`] sweeps).
///
/// Scaling: linfa-elasticnet minimises 1/(2n)·|y − Xw − w0|² + ½·penalty·(1 − l1_ratio)·|w|², at
/// `l1_ratio` 0 that is 1/(2n)·(|y − Xw − w0|² + n·penalty·|w|²). Setting the gradients to zero,
/// Xᵀ(y − Xw − w0) = n·penalty·w against Xᵀ(y − Xβ − β0) = λβ, so both have the same minimiser
/// exactly when **penalty = λ / n** (n = rows; not 2λ/n: the ½ on linfa's penalty and the 2 from
/// differentiating |w|² cancel, just as the 1/(2n) and the 2 of the squared error leave 1/n).
///
/// Intercept: linfa-elasticnet's intercept is the mean of `y` (it centres `y`, not `X`), the
/// unpenalised least-squares intercept only if every column has mean 0. So the columns are centred
/// here, linfa's intercept is ȳ, and β0 = ȳ − x̄·β on the uncentred columns.
pub(crate) fn ridge(
    x: &Array2<f64>,
    y: &Array1<f64>,
    lambda: f64,
) -> Result<(Vec<f64>, f64), String> {
    ridge_with(x, y, lambda, RIDGE_SWEEPS)
}

/// [`ridge`] with a given number of coordinate-descent sweeps.
fn ridge_with(
    x: &Array2<f64>,
    y: &Array1<f64>,
    lambda: f64,
    sweeps: u32,
) -> Result<(Vec<f64>, f64), String> {
    let n = x.nrows().max(1) as f64;
    let means = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    // Column-major, as coordinate descent reads one column at a time (3–5 times faster here).
    let mut centred = Array2::<f64>::zeros(x.dim().f());
    centred.assign(&(x - &means));
    let fitted = ElasticNet::params()
        .l1_ratio(0.0)
        .penalty(lambda / n)
        .with_intercept(true)
        .max_iterations(sweeps)
        .fit(&DatasetBase::new(centred.view(), y.view()))
        .map_err(|e| format!("ridge fit: {e}"))?;
    let intercept = fitted.intercept() - fitted.hyperplane().dot(&means);
    Ok((fitted.hyperplane().to_vec(), intercept))
}

/// The ordinal softmax of a regression ŷ = x·β + β0: logit_k = s·(k·ŷ − Σ_{i<k} cuts[i]), so class
/// k wins exactly when cuts[k − 1] < ŷ ≤ cuts[k], and `sharpness` s sets how fast it takes over.
pub(crate) fn ordinal(
    beta: &[f64],
    intercept: f64,
    cuts: [f64; 4],
    sharpness: f64,
) -> Result<Linear, String> {
    let n = beta.len();
    let mut weights = vec![0.0; n * 5];
    for (j, b) in beta.iter().enumerate() {
        for k in 0..5 {
            weights[j * 5 + k] = sharpness * k as f64 * b;
        }
    }
    let intercepts = ordinal_logits(intercept, &cuts, sharpness).to_vec();
    Linear::new(
        LinearFile {
            classes: vec![0, 1, 2, 3, 4],
            intercept: intercepts,
            weights,
        },
        n,
    )
}

/// The ordinal logits s·(k·ŷ − Σ_{i<k} cuts[i]) of a predicted rating ŷ.
fn ordinal_logits(predicted: f64, cuts: &[f64; 4], sharpness: f64) -> [f64; 5] {
    let mut offset = 0.0;
    std::array::from_fn(|k| {
        let z = sharpness * (k as f64 * predicted - offset);
        if k < 4 {
            offset += cuts[k];
        }
        z
    })
}

/// Fits intensity as regress-then-bin on the training rows that have an intensity label and a human
/// arousal rating: the dense and naive-Bayes columns are standardised on those rows
/// ([`ColumnScaling`]), a ridge regression (penalty `lambda`) predicts the rating, and the predicted
/// ratings are cut where the training labels' class shares fall (so each class is predicted about as
/// often as it occurs). Returns the ordinal softmax and how many rows it was fitted on.
pub(crate) fn fit_arousal(
    space: &FeatureSpace,
    rows: &[SparseRow],
    labels: &[Option<usize>],
    arousal: &[Option<f64>],
    lambda: f64,
) -> Result<(Linear, usize), String> {
    let rated: Vec<(&SparseRow, usize, f64)> = rows
        .iter()
        .zip(labels.iter().zip(arousal))
        .filter_map(|(r, (l, a))| Some((r, (*l)?, (*a)?)))
        .collect();
    if rated.len() < 10 {
        return Err(format!("{} rated examples are too few", rated.len()));
    }
    let n_features = space.n_features();
    let mut x = dense_matrix(rated.iter().map(|r| r.0), rated.len(), n_features);
    let scaling = ColumnScaling::apply(&mut x, space.direct(), MIN_SUPPORT);
    let y = Array1::from_iter(rated.iter().map(|r| r.2));
    let (beta, intercept) = ridge(&x, &y, lambda)?;
    let predicted: Vec<f64> = x
        .dot(&Array1::from(beta.clone()))
        .iter()
        .map(|v| v + intercept)
        .collect();
    let mut sorted = predicted.clone();
    sorted.sort_by(f64::total_cmp);
    let mut cuts = [0.0; 4];
    let mut below = 0;
    for (k, cut) in cuts.iter_mut().enumerate() {
        below += rated.iter().filter(|r| r.1 == k).count();
        let i = below.clamp(1, sorted.len() - 1);
        *cut = (sorted[i - 1] + sorted[i]) / 2.0;
    }
    for k in 1..4 {
        // Keep the cuts increasing even if a class has no rows.
        cuts[k] = cuts[k].max(cuts[k - 1] + 1e-9);
    }
    // Adjacent classes' log-odds change by (cut spacing) / σ² per unit of predicted arousal, as
    // for Gaussian residuals of variance σ²; the calibration temperature corrects the scale. (The
    // maximum-likelihood scale on the training rows was tried: lower r and worse calibration on
    // EmoBank's dev split.)
    let n = predicted.len() as f64;
    let residual = predicted
        .iter()
        .zip(y.iter())
        .map(|(p, a)| (p - a).powi(2))
        .sum::<f64>()
        / n;
    let sharpness = (cuts[3] - cuts[0]) / 3.0 / residual.max(1e-9);
    let linear = ordinal(&beta, intercept, cuts, sharpness)?;
    Ok((scaling.unscale(&linear, n_features)?, rated.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn ridge_recovers_a_linear_relation_and_shrinks_with_lambda() {
        let x = array![[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0], [5.0, 0.0]];
        let y = x.column(0).mapv(|v| 2.0 * v) - x.column(1).mapv(|v| 3.0 * v) + 1.0;
        let (beta, b0) = ridge(&x, &y, 1e-9).unwrap();
        assert!(
            (beta[0] - 2.0).abs() < 1e-6 && (beta[1] + 3.0).abs() < 1e-6,
            "{beta:?}"
        );
        assert!((b0 - 1.0).abs() < 1e-6, "{b0}");
        let (shrunk, _) = ridge(&x, &y, 100.0).unwrap();
        assert!(shrunk[0].abs() < 1.0 && shrunk[1].abs() < 1.0, "{shrunk:?}");
    }

    #[test]
    fn ridge_matches_the_one_feature_closed_form() {
        // x̄ = 3, ȳ = 3.2, Sxx = Σ(x − x̄)² = 10, Sxy = Σ(x − x̄)(y − ȳ) = 10; with λ = 2,
        // β = Sxy / (Sxx + λ) = 10/12 and β0 = ȳ − β·x̄ = 0.7 (penalty 2λ/n would give 10/14).
        let x = array![[1.0], [2.0], [3.0], [4.0], [5.0]];
        let y = array![2.0, 1.0, 4.0, 3.0, 6.0];
        let (beta, b0) = ridge(&x, &y, 2.0).unwrap();
        assert!((beta[0] - 10.0 / 12.0).abs() < 1e-4, "{beta:?}");
        assert!((b0 - 0.7).abs() < 1e-4, "{b0}");
    }

    #[test]
    fn ridge_matches_the_closed_form_on_correlated_features() {
        // Two correlated columns (r ≈ 0.73); closed form (XcᵀXc + λI)⁻¹ Xcᵀ yc by Cramer's rule.
        let x = array![
            [1.0, 2.0],
            [2.0, 1.0],
            [3.0, 4.0],
            [4.0, 3.0],
            [5.0, 6.0],
            [6.0, 4.0]
        ];
        let y = array![1.0, 3.0, 2.0, 5.0, 4.0, 6.0];
        let lambda = 3.0;
        let xc = &x - &x.mean_axis(Axis(0)).unwrap();
        let yc = &y - y.mean().unwrap();
        let g = xc.t().dot(&xc);
        let c = xc.t().dot(&yc);
        let (a, b, d) = (g[[0, 0]] + lambda, g[[0, 1]], g[[1, 1]] + lambda);
        let det = a * d - b * b;
        let exact = [(d * c[0] - b * c[1]) / det, (a * c[1] - b * c[0]) / det];
        let exact_b0 = y.mean().unwrap() - exact[0] * 3.5 - exact[1] * (20.0 / 6.0);
        let (beta, b0) = ridge(&x, &y, lambda).unwrap();
        for j in 0..2 {
            assert!((beta[j] - exact[j]).abs() < 1e-4, "{beta:?} vs {exact:?}");
        }
        assert!((b0 - exact_b0).abs() < 1e-4, "{b0} vs {exact_b0}");
        // Too few sweeps do not get there, so the sweeps are what converges it.
        let (rough, _) = ridge_with(&x, &y, lambda, 2).unwrap();
        assert!((rough[0] - exact[0]).abs() > 1e-4, "{rough:?} vs {exact:?}");
    }

    #[test]
    fn the_ordinal_softmax_picks_the_interval_of_the_prediction() {
        // One feature, ŷ = x: classes at the cuts 1, 2, 3, 4.
        let linear = ordinal(&[1.0], 0.0, [1.0, 2.0, 3.0, 4.0], 5.0).unwrap();
        for (x, class) in [(0.5, 0), (1.5, 1), (2.4, 2), (3.6, 3), (9.0, 4)] {
            let p = linear.probabilities(&vec![(0, x)]);
            assert_eq!(crate::linear::argmax(&p), class, "x = {x}: {p:?}");
        }
    }
}
