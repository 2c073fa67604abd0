#pragma once
// A protocol's serving side (a listener, a set of UDP inputs) as the server runs it: made at
// start-up (app/modules.cpp), started once the control plane runs, stopped at shutdown
// before the streams end.
namespace firstmile {

class Endpoint {
 public:
  virtual ~Endpoint() = default;
  // Binds; throws on failure (start-up code: the server exits with the reason).
  virtual void start() = 0;
  // Stops accepting; sessions already running end with their streams.
  virtual void stop() = 0;
};

}  // namespace firstmile
