//! Regress-then-bin for intensity: a ridge regression of the human arousal rating on the regression
//! inputs, turned into an ordinal five-class softmax whose classes win on consecutive intervals of
//! the predicted arousal, so it is stored and predicted like any other scale.

use crate::features::{FeatureSpace, SparseRow};
use crate::linear::{Linear, LinearFile};
use crate::scaling::{ColumnScaling, MIN_SUPPORT};
use crate::train::dense_matrix;
use linfa_linalg::cholesky::SolveCInplace;
use ndarray::{Array1, Array2, Axis};

/// Ridge coefficients (β, β0) of `y` on the columns of `x`: minimises |y − Xβ − β0|² + λ|β|².
///
/// The exact solution: with the columns centred (Xc = X − x̄), β solves the normal equations
/// (XcᵀXc + λI) β = Xcᵀ(y − ȳ), here by linfa-linalg's Cholesky solver, and β0 = ȳ − x̄·β (the
/// intercept is not penalised). The matrix is symmetric positive definite for any λ > 0; when it is
/// not (λ ≤ 0 with a constant or collinear column), the solver's error is returned.
pub(crate) fn ridge(
    x: &Array2<f64>,
    y: &Array1<f64>,
    lambda: f64,
) -> Result<(Vec<f64>, f64), String> {
    let n = x.nrows();
    if n == 0 || y.len() != n {
        return Err(format!(
            "ridge fit: {n} rows of inputs and {} ratings",
            y.len()
        ));
    }
    let means = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let y_mean = y.sum() / n as f64;
    let centred = x - &means;
    let mut gram = centred.t().dot(&centred);
    gram.diag_mut().mapv_inplace(|g| g + lambda);
    let rhs = centred.t().dot(&(y - y_mean)).insert_axis(Axis(1));
    let solution = gram
        .solvec_into(rhs)
        .map_err(|e| format!("ridge fit: {e}"))?;
    let beta = solution.column(0).to_owned();
    if !beta.iter().all(|b| b.is_finite()) {
        return Err("ridge fit: the solution is not finite".to_owned());
    }
    let intercept = y_mean - beta.dot(&means);
    Ok((beta.to_vec(), intercept))
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
        // β = Sxy / (Sxx + λ) = 10/12 and β0 = ȳ − β·x̄ = 0.7.
        let x = array![[1.0], [2.0], [3.0], [4.0], [5.0]];
        let y = array![2.0, 1.0, 4.0, 3.0, 6.0];
        let (beta, b0) = ridge(&x, &y, 2.0).unwrap();
        assert!((beta[0] - 10.0 / 12.0).abs() < 1e-9, "{beta:?}");
        assert!((b0 - 0.7).abs() < 1e-9, "{b0}");
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
            assert!((beta[j] - exact[j]).abs() < 1e-9, "{beta:?} vs {exact:?}");
        }
        assert!((b0 - exact_b0).abs() < 1e-9, "{b0} vs {exact_b0}");
    }

    #[test]
    fn ridge_returns_an_error_when_the_system_is_not_positive_definite() {
        // A constant column is all zeros once centred: with λ = 0 (or below) its diagonal entry is
        // not positive, so the Cholesky solver fails; that must be an error, not a panic.
        let x = array![[1.0, 7.0], [2.0, 7.0], [3.0, 7.0], [4.0, 7.0]];
        let y = array![1.0, 2.0, 2.0, 4.0];
        for lambda in [0.0, -1.0] {
            let err = ridge(&x, &y, lambda).unwrap_err();
            assert!(err.contains("not positive definite"), "{err}");
        }
        assert!(ridge(&x, &y, 1.0).is_ok());
        // No rows, or a rating count that does not match.
        assert!(ridge(&Array2::zeros((0, 2)), &Array1::zeros(0), 1.0).is_err());
        assert!(ridge(&x, &array![1.0, 2.0], 1.0).is_err());
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
