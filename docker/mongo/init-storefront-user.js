// Mounted into /docker-entrypoint-initdb.d by docker-compose-middleware.yml. The mongo image
// runs it with mongosh, as the root user, only when /data/db is empty (the first start on a
// new volume). It creates the user the three services connect as: readWrite on their own
// databases and nothing else (root stays with mongo-express and the operator).
// The password is the Swarm secret mongo_app_password; the services get the matching URL in
// the secret mongo_app_url (both written by scripts/stack-deploy.sh).
const fs = require('fs');

const password = fs.readFileSync('/run/secrets/mongo_app_password', 'utf8').trim();
const databases = ['accounts', 'orders', 'fulfillment'];
const admin = db.getSiblingDB('admin');

if (admin.getUser('storefront')) {
  print('storefront user already exists');
} else {
  admin.createUser({
    user: 'storefront',
    pwd: password,
    roles: databases.map((name) => ({ role: 'readWrite', db: name })),
  });
  print(`created user storefront (readWrite on ${databases.join(', ')})`);
}
