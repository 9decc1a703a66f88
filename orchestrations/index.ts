import "./addEnvironmentToPolicy";
import "./removeEnvironmentFromPolicy";
import "./changePolicy";
import "./rotateKeyVersion";
import "./environmentDataOperation";
