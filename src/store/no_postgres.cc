// Built instead of postgres_backend.cc when libpq was not found: --db postgres://... says so.
#include "store/sql_backend.h"

namespace glassbox::store {

Result<std::unique_ptr<SqlBackend>> open_postgres_backend(const std::string&) {
  return unimplemented("postgres: this glassbox was built without libpq (install libpq-dev and rebuild)");
}

}  // namespace glassbox::store
