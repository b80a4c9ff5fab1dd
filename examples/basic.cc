// A program using libember: an in-process Ember with no server and no socket.
//   cmake --build build --target ember-example && ./build/ember-example
#include <ember/ember.h>

#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

int main() {
  std::string error;
  auto db = ember::Store::Open({}, &error);
  if (!db) {
    std::cerr << "open failed: " << error << "\n";
    return 1;
  }
  db->Set("greeting", "hello");
  db->Set("session:42", "alice", std::chrono::seconds(30));
  std::cout << "greeting = " << db->Get("greeting").value_or("(nil)") << "\n";
  std::cout << "session:42 ttl ms = " << db->Ttl("session:42")->count() << "\n";

  // Any command, from several threads at once.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&db] {
      for (int i = 0; i < 1000; ++i) db->Execute({"INCR", "counter"});
    });
  for (auto& t : threads) t.join();
  ember::Reply r = db->Execute({"GET", "counter"});
  std::cout << "counter = " << r.str << "\n";  // 4000

  r = db->Execute({"MGET", "greeting", "missing"});
  std::cout << "MGET -> " << r.elements.size() << " elements, second is nil: " << std::boolalpha
            << r.elements[1].is_nil() << "\n";

  auto session = db->NewSession();
  session->Execute({"SELECT", "1"});
  session->Execute({"SET", "in-db-1", "x"});
  std::cout << "db 1 size = " << session->Execute({"DBSIZE"}).integer << "\n";
  return 0;
}
