//! Mood recognition: text normalisation, feature extraction and the two logistic-regression
//! classifiers (emotion and intensity). Pure code, no I/O. (Built in the mood issue.)
