// The law in LSE form, its Huber objective with the analytic gradient, and the optimal allocation.
#include "scale/scaling_law.h"

#include <algorithm>

namespace glassbox::scale {

double LawParams::log_predict(double n, double d) const {
  const double t0 = a - alpha * std::log(n), t1 = b - beta * std::log(d), t2 = e;
  const double m = std::max({t0, t1, t2});
  return m + std::log(std::exp(t0 - m) + std::exp(t1 - m) + std::exp(t2 - m));
}

double huber(double r, double delta) {
  const double x = std::fabs(r);
  return x <= delta ? 0.5 * r * r : delta * (x - 0.5 * delta);
}

std::vector<LogObservation> to_logs(const std::vector<Observation>& obs) {
  std::vector<LogObservation> out;
  out.reserve(obs.size());
  for (const Observation& o : obs) out.push_back({std::log(o.n), std::log(o.d), std::log(o.loss)});
  return out;
}

double law_objective(const LawParams& p, const std::vector<Observation>& obs, double delta,
                     std::vector<double>* grad) {
  return law_objective(p, to_logs(obs), delta, grad);
}

double law_objective(const LawParams& p, const std::vector<LogObservation>& obs, double delta,
                     std::vector<double>* grad) {
  if (grad) grad->assign(5, 0.0);
  double total = 0;
  for (const LogObservation& o : obs) {
    const double t0 = p.a - p.alpha * o.log_n, t1 = p.b - p.beta * o.log_d, t2 = p.e;
    const double m = std::max({t0, t1, t2});
    const double w0 = std::exp(t0 - m), w1 = std::exp(t1 - m), w2 = std::exp(t2 - m);
    const double sum = w0 + w1 + w2;
    const double r = m + std::log(sum) - o.log_loss;
    total += huber(r, delta);
    if (grad) {
      // d Huber / dr = r clipped to [−delta, delta]; d LSE / d t_k = softmax weight w_k / sum.
      const double h = std::clamp(r, -delta, delta) / sum;
      (*grad)[0] += h * w0;
      (*grad)[1] += h * w1;
      (*grad)[2] += h * w2;
      (*grad)[3] -= h * w0 * o.log_n;
      (*grad)[4] -= h * w1 * o.log_d;
    }
  }
  return total;
}

ComputeOptimal compute_optimal(const LawParams& p, double flops) {
  ComputeOptimal r;
  r.flops = flops;
  if (!(p.alpha > 0 && p.beta > 0) || !(flops > 0)) return r;
  const double s = p.alpha + p.beta;
  // log G = (log(α) + a − log(β) − b) / (α+β)
  const double log_g = (std::log(p.alpha) + p.a - std::log(p.beta) - p.b) / s;
  const double log_half = std::log(flops / 6.0);
  const double log_n = log_g + (p.beta / s) * log_half;
  r.n = std::exp(log_n);
  r.d = std::exp(log_half - log_n);
  r.tokens_per_param = r.d / r.n;
  r.loss = p.predict(r.n, r.d);
  r.valid = std::isfinite(r.n) && std::isfinite(r.d) && r.n > 0 && r.d > 0;
  return r;
}

}  // namespace glassbox::scale
