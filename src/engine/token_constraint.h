// TokenConstraint: restricts which tokens a generation may sample next (constrained decoding).
#pragma once

#include <cstdint>
#include <span>

namespace glassbox::engine {

// One generation's constraint, driven by the loop that samples: apply() before each sample, accept() after.
// Implementations (src/constrain: JSON Schema) keep their own recognizer state. Not thread-safe: one sequence,
// one thread at a time.
class TokenConstraint {
 public:
  virtual ~TokenConstraint() = default;

  // Sets the logit of every token that may not come next to -infinity. End-of-generation tokens stay allowed
  // only when complete(). `logits` is [vocab_size].
  virtual void apply(std::span<float> logits) = 0;
  // Advances past a sampled token (one apply() allowed). An end-of-generation token is not passed here.
  virtual void accept(int32_t token) = 0;
  // The output so far is a whole value: generation may end here.
  virtual bool complete() const = 0;
  // Complete and nothing may follow: the caller should stop without sampling again.
  virtual bool finished() const = 0;
};

}  // namespace glassbox::engine
