// The parametric scaling law L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, "Approach 3"),
// its fitting objective in log space, and the compute-optimal allocation it implies under C = 6ND.
#pragma once

#include <cmath>
#include <vector>

namespace glassbox::scale {

// One training run as the law sees it: N parameters, D tokens, final validation loss (nats/token).
struct Observation {
  double n = 0, d = 0, loss = 0;
};

// Parameters in the fit's coordinates: a = log A, b = log B, e = log E (natural logs), so that
// log L̂ = LSE(a − α log N, b − β log D, e) stays finite for any values.
struct LawParams {
  double a = 0, b = 0, e = 0, alpha = 0, beta = 0;

  double A() const { return std::exp(a); }
  double B() const { return std::exp(b); }
  double E() const { return std::exp(e); }
  double log_predict(double n, double d) const;
  double predict(double n, double d) const { return std::exp(log_predict(n, d)); }
  // N* ∝ C^(β/(α+β)) and D* ∝ C^(α/(α+β)) (Hoffmann's a and b; named for what they scale).
  double n_exponent() const { return beta / (alpha + beta); }
  double d_exponent() const { return alpha / (alpha + beta); }

  std::vector<double> to_vector() const { return {a, b, e, alpha, beta}; }
  static LawParams from_vector(const std::vector<double>& v) {
    return {v[0], v[1], v[2], v[3], v[4]};
  }
};

// Huber loss with threshold delta: r²/2 for |r| <= delta, else delta·(|r| − delta/2).
double huber(double r, double delta);

// The objective: Σ_i Huber_delta(log L̂(N_i, D_i) − log L_i), the sum (not the mean, after Besiroglu
// et al. 2024). With `grad` (5 entries, in LawParams::to_vector order) also its analytic gradient.
double law_objective(const LawParams& p, const std::vector<Observation>& obs, double delta,
                     std::vector<double>* grad);

// The same objective over observations already in logs (ln N, ln D, ln L), as the fit's inner loop
// evaluates it thousands of times per start.
struct LogObservation {
  double log_n = 0, log_d = 0, log_loss = 0;
};
std::vector<LogObservation> to_logs(const std::vector<Observation>& obs);
double law_objective(const LawParams& p, const std::vector<LogObservation>& obs, double delta,
                     std::vector<double>* grad);

// The compute-optimal model for a budget of C FLOPs under C = 6·N·D: minimising L(N, C/(6N)) over
// N gives N* = G·(C/6)^(β/(α+β)), G = (αA/(βB))^(1/(α+β)) (Hoffmann eq. 4).
struct ComputeOptimal {
  double flops = 0, n = 0, d = 0, tokens_per_param = 0, loss = 0;
  bool valid = false;  // false when α or β is not positive (no interior optimum)
};
ComputeOptimal compute_optimal(const LawParams& p, double flops);

}  // namespace glassbox::scale
