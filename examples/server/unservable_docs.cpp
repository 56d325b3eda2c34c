#include "unservable_docs.hpp"

namespace aitk_server {

void ReportUnservableDocs(libsync::SyncService& sync, std::ostream& log) {
  const libsync::Caller admin = libsync::Caller::Admin("startup");
  auto projects = sync.projects().List(admin);
  if (!projects) {
    log << "aitk-server: cannot check doc names: " << projects.error().ToString() << "\n";
    return;
  }
  for (const auto& project : *projects) {
    auto names = sync.hooks().UnservableDocNames(admin, project.id);
    if (!names) {
      log << "aitk-server: cannot check doc names of project " << project.id << ": " << names.error().ToString() << "\n";
      continue;
    }
    if (names->empty()) continue;
    log << "aitk-server: project '" << project.name << "' (" << project.id << ") has " << names->size()
        << " doc(s) whose names no workstation may write; hooks do not serve them (rename or delete them):";
    for (const auto& name : *names) log << " '" << name << "'";
    log << "\n";
  }
}

}  // namespace aitk_server
